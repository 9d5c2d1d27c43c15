"""Build a bundle's filing index: its entries in filing order, packed into e-filing envelopes (pure core).

The index is the bundle's first file but is rendered last, as it lists the pages and bytes of
every other file. From publish, once every other entry is listed::

    items = [index_item(file, title) for file, title in filed_in_order]  # DOCX and CSV: copies
    index = build_index(
        court_code=court_code, court_name=court_name, batch_id=batch_id,
        mode=FilingMode.OMNIBUS, final=signer is not None, signer_line=signer_line(signer),
        missing=(("BA123456", "render failed: ..."),), items=items,
        envelope_limit=settings.efiling_envelope_bytes,
    )
    rendered = renderer.convert(renderer.filing_index(index), OutputFormat.PDF)
    entries.add_first(BundleFile(FILING_INDEX_PDF, source, DocumentKind.FILING_INDEX, "pdf", ...))
    manifest = Manifest(..., entries=entries, filing_index=index.as_dict())

An envelope holds one filing: the filed and lodged items of one case number and basis, in order,
up to `envelope_limit` bytes (eFileCA courts take 35 MB an envelope); the next item that would pass
it opens a new envelope, and so does the next case or basis (never both bases in one filing; in
per-case mode each case is its own filing). Copies go in no envelope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from service.bundle.layout import FILING_INDEX_PDF
from service.bundle.manifest import BundleFile
from service.core.filing import FilingMode, Signer
from service.core.filing_index import Envelope, FilingIndex, FilingRole, IndexItem
from service.errors import BundleLimitError

__all__ = [
    "Envelope",
    "FilingIndex",
    "FilingRole",
    "IndexItem",
    "build_index",
    "index_item",
    "signer_line",
]

FILED_FORMATS = frozenset({"pdf"})  # every other format (DOCX, CSV) is a copy unless said otherwise


def build_index(
    *,
    court_code: str,
    court_name: str,
    batch_id: str,
    mode: FilingMode | str,
    final: bool,
    signer_line: str,
    missing: Iterable[tuple[str, str]],
    items: Sequence[IndexItem],
    envelope_limit: int,
) -> FilingIndex:
    """Return the index of these items, in the order given, each filed or lodged one in an envelope.

    Raises BundleLimitError naming an item that alone is over the envelope limit.
    """
    if envelope_limit < 1:
        raise ValueError(f"an envelope limit of {envelope_limit} bytes holds nothing")
    _check_names(items)
    placed: list[IndexItem] = []
    envelopes: list[Envelope] = []
    for item in items:
        if not item.filed:
            placed.append(replace(item, envelope=None))
            continue
        if item.bytes > envelope_limit:
            raise BundleLimitError(
                f"{item.name} has {item.bytes:,} bytes: alone over the e-filing envelope limit of "
                f"{envelope_limit:,} bytes"
            )
        last = envelopes[-1] if envelopes else None
        if (
            last is None
            or (last.case_number, last.basis) != (item.case_number, item.basis)
            or last.bytes + item.bytes > envelope_limit
        ):
            last = Envelope(len(envelopes) + 1, item.case_number, item.basis, 0, 0, 0)
            envelopes.append(last)
        envelopes[-1] = replace(
            last,
            documents=last.documents + 1,
            pages=last.pages + (item.pages or 0),
            bytes=last.bytes + item.bytes,
        )
        placed.append(replace(item, envelope=last.number))
    return FilingIndex(
        court_code=court_code,
        court_name=court_name,
        batch_id=batch_id,
        mode=FilingMode(mode),
        final=final,
        signer_line=signer_line,
        missing=tuple(missing),
        items=tuple(placed),
        envelopes=tuple(envelopes),
        envelope_limit=envelope_limit,
    )


def index_item(file: BundleFile, title: str, role: FilingRole | None = None, basis: str = "") -> IndexItem:
    """Return a listed bundle file as the index lists it; a PDF is filed and anything else a copy."""
    if role is None:
        role = FilingRole.FILE if file.format in FILED_FORMATS else FilingRole.COPY
    return IndexItem(
        name=file.path,
        title=title,
        kind=file.kind,
        role=role,
        pages=file.pages,
        bytes=file.bytes,
        case_number=file.case_number or "",
        basis=basis,
    )


def signer_line(signer: Signer | None) -> str:
    """Return "Signed by Jane Roe, SBN 123456, on December 1, 2026", or "" for no signer (a draft)."""
    if signer is None:
        return ""
    return f"Signed by {signer.name}, SBN {signer.bar_number}, on {_long(signer.approved_on)}"


def _long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _check_names(items: Sequence[IndexItem]) -> None:
    names: set[str] = set()
    for item in items:
        if item.name == FILING_INDEX_PDF:
            raise ValueError("the filing index does not list itself")
        if item.name in names:
            raise ValueError(f"{item.name} is listed twice in the filing index")
        names.add(item.name)
