"""The filing index of a court's bundle: every listed file in filing order, its envelope and role."""

from __future__ import annotations

from collections.abc import Iterable

from service.bundle.filing_index import (
    FilingIndex,
    FilingRole,
    IndexItem,
    build_index,
    index_item,
    signer_line,
)
from service.bundle.layout import CLERK_IMPORT, FILING_INDEX_PDF, is_filing_entry_of, omnibus_file
from service.bundle.manifest import BundleFile
from service.core.filing import FilingMode
from service.core.kinds import DocumentKind, OutputFormat
from service.core.models import Basis
from service.pipeline.omnibus import CourtFiling, stored

_TITLES = {
    DocumentKind.OMNIBUS_MOTION: "People's omnibus motion",
    DocumentKind.OMNIBUS_RESPONSE: "People's response to the petitions/applications: no objection",
    DocumentKind.OMNIBUS_ORDER: "[Proposed] order",
    DocumentKind.MOTION: "People's motion",
    DocumentKind.ORDER: "[Proposed] order",
}

_CASE_ORDER = {DocumentKind.MOTION.value: 0, DocumentKind.ORDER.value: 1}  # a case's motion, then its order


def filing_index(
    job: CourtFiling,
    court_name: str,
    mode: FilingMode,
    files: Iterable[BundleFile],
    missing: Iterable[tuple[str, str]],
) -> tuple[FilingIndex, BundleFile]:
    """Index the court's listed files (filed ones first, in filing order, then copies); render it to PDF."""
    case_bases = (
        {decision.decision_id: decision.basis.value for decision in job.decisions()}
        if mode is FilingMode.PER_CASE
        else {}
    )
    filed: list[IndexItem] = []
    copies: list[IndexItem] = []
    for file in files:
        basis = case_bases.get(file.decision_id or "") or _basis(file.path)
        item = index_item(file, _title(file, basis), _role(file), basis)
        (filed if item.filed else copies).append(item)
    if mode is FilingMode.PER_CASE:  # as Exhibit A and the clerk import list them: by case number
        filed.sort(key=lambda item: (item.case_number, item.name.rsplit("/", 1)[0], _CASE_ORDER[item.kind]))
    index = build_index(
        court_code=job.court_code,
        court_name=court_name,
        batch_id=job.batch_id,
        mode=mode,
        final=job.signer is not None,
        signer_line=signer_line(job.signer),
        missing=missing,
        items=filed + copies,
        envelope_limit=job.settings.efiling_envelope_bytes,
    )
    rendered = job.renderer.convert(job.renderer.filing_index(index), OutputFormat.PDF)
    target = job.work / omnibus_file(FILING_INDEX_PDF)
    kind = DocumentKind.FILING_INDEX.value
    return index, stored(target, FILING_INDEX_PDF, rendered.content, kind, "pdf", rendered.pages)


def _basis(name: str) -> str:
    return next((basis.value for basis in Basis if is_filing_entry_of(name, basis.value)), "")


def _role(file: BundleFile) -> FilingRole | None:
    """Return what the clerk does with a file: lodge a confidential exhibit; None: by its format."""
    if file.kind == DocumentKind.EXHIBIT and file.path.endswith("-confidential.pdf"):
        return FilingRole.LODGE
    return None


def _title(file: BundleFile, basis: str) -> str:
    """Return what the index calls a file: its document, basis or case, and whether it is a copy."""
    if file.path == CLERK_IMPORT:
        return "Clerk import file (one row per count)"
    if file.kind == DocumentKind.EXHIBIT:
        part = file.path.rsplit("-part-", 1)[-1].split("-", 1)[0].removesuffix(".pdf").lstrip("0")
        title = f"Exhibit A, part {part}"
        if file.path.endswith(("-confidential.pdf", "-public.pdf")):
            title += ", " + file.path.rsplit("-", 1)[-1].removesuffix(".pdf") + " version"
    elif file.kind == DocumentKind.MOTION and basis == Basis.PETITION.value:
        title = "People's response to the petition/application: no objection"
    else:
        title = _TITLES.get(DocumentKind(file.kind), file.kind)
    if basis:
        title += f" ({basis})"
    if file.case_number:
        title += f", case {file.case_number}"
    if file.format == OutputFormat.DOCX:
        title += ": editable copy (DOCX)"
    return title
