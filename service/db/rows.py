"""Typed rows: what the queries return, one frozen dataclass per kind of record."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any, Self

from service.core.filing import FilingMode, Signer
from service.core.kinds import DocumentKind, OutputFormat
from service.core.ruling import CountOutcome, Outcome, Ruling
from service.core.states import BatchState, CourtState, DocumentState


class _Row:
    """Build a dataclass from a SQLAlchemy row by field name; enum fields convert themselves.

    Times come back in UTC with their zone: SQLite stores them without one.
    """

    @classmethod
    def from_row(cls, row: Any) -> Self:
        mapping = row._mapping
        return cls(**{field.name: _utc(mapping[field.name]) for field in fields(cls)})  # type: ignore[arg-type]


def _utc(value: Any) -> Any:
    """Return a naive datetime as the UTC time it was stored as; any other value as it is."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class BatchRow(_Row):
    """A submitted batch."""

    id: str
    idempotency_key: str | None
    content_sha256: str
    person_salt: str
    source: str
    state: BatchState
    decision_count: int
    created_at: datetime
    finished_at: datetime | None
    filing: FilingMode = FilingMode.OMNIBUS

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", BatchState(self.state))
        object.__setattr__(self, "filing", FilingMode(self.filing))


@dataclass(frozen=True)
class DecisionRow(_Row):
    """A stored decision: where it sits in its batch and its validated payload (JSON)."""

    batch_id: str
    decision_id: str
    position: int
    court_code: str
    case_number: str
    person_key: str
    payload: str


@dataclass(frozen=True)
class FoundDecision(DecisionRow):
    """A decision found by a search, with when its batch was submitted."""

    created_at: datetime


@dataclass(frozen=True)
class DocumentRow(_Row):
    """A document as the pipeline sees it."""

    id: int
    batch_id: str
    court_code: str
    subject: str  # decision_id, or person key for a letter
    kind: DocumentKind
    format: OutputFormat
    state: DocumentState
    attempts: int
    last_error: str | None
    language: str | None
    notes: str | None
    sha256: str | None
    bytes: int | None
    pages: int | None
    path: str | None
    job_id: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DocumentKind(self.kind))
        object.__setattr__(self, "format", OutputFormat(self.format))
        object.__setattr__(self, "state", DocumentState(self.state))


@dataclass(frozen=True)
class RenderedFile:
    """What a finished render records about its file."""

    sha256: str
    bytes: int
    pages: int | None
    path: str
    language: str
    notes: str


@dataclass(frozen=True)
class CourtBatchRow(_Row):
    """The part of a batch that goes to one court, and who publishes it."""

    batch_id: str
    court_code: str
    state: CourtState
    job_id: str | None
    owner: str | None
    lease_until: datetime | None
    last_error: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", CourtState(self.state))


@dataclass(frozen=True)
class NewBundle:
    """A bundle version written by a publication, to record."""

    version: int
    path: str
    sha256: str
    bytes: int
    content_digest: str  # hash of the entries, not of the ZIP
    created_at: datetime
    final: bool  # signed by the court's approving attorney; else a draft


@dataclass(frozen=True)
class BundleRow(NewBundle, _Row):
    """A recorded bundle version of a court batch."""

    id: int
    batch_id: str
    court_code: str


@dataclass(frozen=True)
class ApprovalRow(_Row):
    """The approval of one court's filing: the attorney who signs it, and who recorded it."""

    batch_id: str
    court_code: str
    name: str
    title: str
    bar_number: str
    email: str | None
    approved_on: date
    approved_at: datetime
    approved_by: str

    def signer(self) -> Signer:
        return Signer(
            name=self.name,
            title=self.title,
            bar_number=self.bar_number,
            email=self.email,
            approved_on=self.approved_on,
        )


@dataclass(frozen=True)
class NewRuling:
    """A ruling to record: the signed order and clerk import already stored, its exceptions."""

    batch_id: str
    court_code: str
    version: int
    signed_on: date
    judge: str | None
    order_path: str  # relative to the output folder
    order_sha256: str
    order_bytes: int
    filed_counts: int  # counts of the filing (a failed decision is not in it)
    clerk_import_path: str
    clerk_import_sha256: str
    content_digest: str  # signed_on, judge, the order's hash and the exceptions (core.ruling)
    recorded_at: datetime
    recorded_by: str
    supersedes_id: int | None


@dataclass(frozen=True)
class RulingRow(NewRuling, _Row):
    """A recorded ruling of a court filing (without its exceptions: store.rulings.exceptions)."""

    id: int

    def ruling(self, exceptions: tuple[CountOutcome, ...]) -> Ruling:
        return Ruling(
            self.batch_id,
            self.court_code,
            self.version,
            self.signed_on,
            self.judge,
            self.order_sha256,
            exceptions,
        )


def exception_of(row: Any) -> CountOutcome:
    """Return a stored exception row as the core's CountOutcome."""
    return CountOutcome(row.case_number, row.count, Outcome(row.outcome), row.note)


def as_values(row: object) -> dict[str, Any]:
    """Return a dataclass row's fields as the column values of an INSERT."""
    return {field.name: getattr(row, field.name) for field in fields(row)}  # type: ignore[arg-type]
