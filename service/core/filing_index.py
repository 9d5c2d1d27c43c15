"""A bundle's filing index: what to file, in which order and envelope, and what is a copy only.

The data lives in core because both siblings need it: `bundle/filing_index.py` builds it from a
bundle's entries (packing them into e-filing envelopes) and `render/` draws it as the bundle's
first PDF. `as_dict` is what manifest.json holds under "filing_index"; `from_dict` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service.core.filing import FilingMode

INDEX_FORMAT = "courtdocs-filing-index/v1"


class FilingRole(StrEnum):
    """What whoever files the bundle does with one of its files."""

    FILE = "file"  # file with the court
    LODGE = "lodge"  # lodge conditionally under seal (a confidential exhibit)
    COPY = "copy"  # copy only, never filed: editable DOCX copies, the clerk import CSV


ROLE_LABELS = {
    FilingRole.FILE: "File",
    FilingRole.LODGE: "Lodge (confidential)",
    FilingRole.COPY: "Copy only — do not file",
}


class IndexStatus(StrEnum):
    """What the index's banner says, worst first: left-out cases outrank the signature."""

    INCOMPLETE = "incomplete"
    DRAFT = "draft"
    FINAL = "final"


@dataclass(frozen=True)
class IndexItem:
    """One bundle entry as the index lists it; `name` is its entry name in the ZIP."""

    name: str
    title: str
    kind: str
    role: FilingRole
    pages: int | None
    bytes: int
    case_number: str = ""
    basis: str = ""
    envelope: int | None = None  # set by build_index for filed and lodged items; None for copies

    @property
    def filed(self) -> bool:
        """Return whether the item goes to the court (filed or lodged), so into an envelope."""
        return self.role is not FilingRole.COPY


@dataclass(frozen=True)
class Envelope:
    """One e-filing envelope: a filing (one case number and basis) under the envelope limit."""

    number: int
    case_number: str
    basis: str
    documents: int
    pages: int
    bytes: int


@dataclass(frozen=True)
class FilingIndex:
    """The filing index of one court's bundle (it never lists itself)."""

    court_code: str
    court_name: str
    batch_id: str
    mode: FilingMode
    final: bool
    signer_line: str  # "Signed by Jane Roe, SBN 123456, on December 1, 2026"; "" for a draft
    missing: tuple[tuple[str, str], ...]  # (case number, reason) of each case left out
    items: tuple[IndexItem, ...]  # in filing order
    envelopes: tuple[Envelope, ...]
    envelope_limit: int

    def __post_init__(self) -> None:
        if self.final and not self.signer_line:
            # A caller's bug, not a fault of the data: a final filing always has its signer.
            raise ValueError("a final filing index needs the line that says who signed it")

    @property
    def status(self) -> IndexStatus:
        """Return INCOMPLETE if any case was left out, else FINAL or DRAFT."""
        if self.missing:
            return IndexStatus.INCOMPLETE
        return IndexStatus.FINAL if self.final else IndexStatus.DRAFT

    def as_dict(self) -> dict[str, Any]:
        """Return the index as manifest.json holds it (JSON-serialisable)."""
        return {
            "format": INDEX_FORMAT,
            "court": {"code": self.court_code, "name": self.court_name},
            "batch_id": self.batch_id,
            "mode": self.mode.value,
            "status": self.status.value,
            "final": self.final,
            "signer_line": self.signer_line,
            "missing": [{"case_number": case, "reason": reason} for case, reason in self.missing],
            "envelope_limit": self.envelope_limit,
            "envelopes": [_envelope_dict(envelope) for envelope in self.envelopes],
            "items": [_item_dict(item) for item in self.items],
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> FilingIndex:
        """Read back what as_dict wrote (KeyError or ValueError if it is not that)."""
        if value.get("format") != INDEX_FORMAT:
            raise ValueError(f"not a filing index of {INDEX_FORMAT}: {value.get('format')!r}")
        return cls(
            court_code=value["court"]["code"],
            court_name=value["court"]["name"],
            batch_id=value["batch_id"],
            mode=FilingMode(value["mode"]),
            final=bool(value["final"]),
            signer_line=value["signer_line"],
            missing=tuple((entry["case_number"], entry["reason"]) for entry in value["missing"]),
            items=tuple(_item_of(entry) for entry in value["items"]),
            envelopes=tuple(Envelope(**entry) for entry in value["envelopes"]),
            envelope_limit=int(value["envelope_limit"]),
        )


def _item_dict(item: IndexItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "title": item.title,
        "kind": item.kind,
        "role": item.role.value,
        "envelope": item.envelope,
        "pages": item.pages,
        "bytes": item.bytes,
        "case_number": item.case_number,
        "basis": item.basis,
    }


def _item_of(entry: dict[str, Any]) -> IndexItem:
    return IndexItem(**{**entry, "role": FilingRole(entry["role"])})


def _envelope_dict(envelope: Envelope) -> dict[str, Any]:
    return {
        "number": envelope.number,
        "case_number": envelope.case_number,
        "basis": envelope.basis,
        "documents": envelope.documents,
        "pages": envelope.pages,
        "bytes": envelope.bytes,
    }
