"""What a batch looks like now (one typed BatchStatus for CLI, API and pages), and waiting for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel, computed_field

from service.core.filing import FilingMode
from service.core.kinds import DocumentKind, OutputFormat
from service.core.states import BatchState, CourtState, DocumentState
from service.db.rows import ApprovalRow, BundleRow, RulingRow
from service.pipeline.runtime import Runtime

POLL_SECONDS = 0.5  # how often a wait looks at the database


class DocumentCounts(BaseModel):
    """Documents by state."""

    pending: int = 0
    rendered: int = 0
    failed: int = 0

    @classmethod
    def of(cls, counts: dict[DocumentState, int]) -> DocumentCounts:
        return cls(**{state.value: number for state, number in counts.items()})

    @property
    def total(self) -> int:
        return self.pending + self.rendered + self.failed

    @property
    def done(self) -> int:
        """Documents that will not change any more: rendered or failed."""
        return self.rendered + self.failed

    def __add__(self, other: DocumentCounts) -> DocumentCounts:
        return DocumentCounts(
            pending=self.pending + other.pending,
            rendered=self.rendered + other.rendered,
            failed=self.failed + other.failed,
        )


class BundleInfo(BaseModel):
    """The latest bundle version of a court batch: `path` for operators, `url` for the API."""

    version: int
    sha256: str
    bytes: int
    created_at: datetime
    final: bool = False  # signed by the court's approving attorney; else a draft, not for filing
    path: str | None = None  # relative to the output folder (CLI); None over HTTP
    url: str | None = None  # the download link (API); None on the command line

    @classmethod
    def of(cls, row: BundleRow) -> BundleInfo:
        return cls(
            version=row.version,
            sha256=row.sha256,
            bytes=row.bytes,
            created_at=row.created_at,
            final=row.final,
            path=row.path,
        )


class Approval(BaseModel):
    """Who approved a court's filing and signs it, and on which day."""

    name: str
    title: str
    bar_number: str
    approved_on: date
    approved_by: str

    @classmethod
    def of(cls, row: ApprovalRow) -> Approval:
        return cls(
            name=row.name,
            title=row.title,
            bar_number=row.bar_number,
            approved_on=row.approved_on,
            approved_by=row.approved_by,
        )


class RulingInfo(BaseModel):
    """The ruling in force on a court's filing (the newest version), and what it decided."""

    version: int
    signed_on: date  # the day the judge signed the order: the order date
    judge: str | None
    counts: dict[str, int]  # the filing's counts by outcome: granted, denied, modified, not_found
    superseded_versions: int  # earlier rulings this one (an amended ruling) replaces
    recorded_by: str
    order_sha256: str
    clerk_import_sha256: str
    order_path: str | None = None  # relative to the output folder (CLI)
    clerk_import_path: str | None = None  # every count with its outcome, for the clerk to import

    @classmethod
    def of(cls, row: RulingRow, counts: dict[str, int]) -> RulingInfo:
        return cls(
            version=row.version,
            signed_on=row.signed_on,
            judge=row.judge,
            counts=counts,
            superseded_versions=row.version - 1,
            recorded_by=row.recorded_by,
            order_sha256=row.order_sha256,
            clerk_import_sha256=row.clerk_import_sha256,
            order_path=row.order_path,
            clerk_import_path=row.clerk_import_path,
        )


class CourtStatus(BaseModel):
    """One court batch: its state, its documents, its approval, its latest bundle, its missing cases."""

    state: CourtState
    last_error: str | None = None  # why the last publication attempt failed, until one succeeds
    documents: DocumentCounts
    approval: Approval | None = None  # None: the filing awaits approval and is published as a draft
    bundle: BundleInfo | None = None
    missing_cases: list[str] = []  # case numbers left out of the filing: a document of theirs failed
    ruling: RulingInfo | None = None  # None: no ruling recorded yet

    @computed_field  # type: ignore[prop-decorator]
    @property
    def lifecycle(self) -> str:
        """Where the filing is in its life (docs/lifecycle.md): draft, approved, filing published, ruled."""
        if self.ruling is not None:
            return "ruled"
        if self.approval is None:
            return "draft"
        if self.bundle is None or not self.bundle.final:
            return "approved"
        return "filing published"

    @property
    def filing_state(self) -> str:
        """What a clerk may do with the court's filing now, in words."""
        if self.approval is None:
            return "awaiting approval (draft)"
        if self.bundle is None or not self.bundle.final:
            return "approved; publishing the signed filing"
        return "approved and signed: ready to file" + (" (incomplete)" if self.missing_cases else "")


class Failure(BaseModel):
    """A document that failed for good, and why."""

    subject: str
    court_code: str
    case_number: str | None
    kind: DocumentKind
    format: OutputFormat
    reason: str | None


class BatchStatus(BaseModel):
    """A batch now: its state, documents overall and per court, latest bundles, failures."""

    batch_id: str
    filing: FilingMode
    state: BatchState
    decisions: int
    created_at: datetime
    finished_at: datetime | None
    documents: DocumentCounts
    courts: dict[str, CourtStatus]
    failures: list[Failure]

    @property
    def published_courts(self) -> int:
        return sum(1 for court in self.courts.values() if court.state is CourtState.PUBLISHED)


def batch_status(rt: Runtime, batch_id: str) -> BatchStatus | None:
    """Return the batch's state, per-court document counts, latest bundles and failures."""
    batch = rt.store.batches.batch(batch_id)
    if batch is None:
        return None
    counts = rt.store.documents.state_counts(batch_id)
    # One query for every version, by court and version: the last of each court is its latest.
    latest = {bundle.court_code: bundle for bundle in rt.store.publications.bundles_of(batch_id)}
    approvals = rt.store.approvals.of_batch(batch_id)
    rulings = rt.store.rulings.of_batch(batch_id)
    failures = [
        Failure(
            subject=doc.subject,
            court_code=doc.court_code,
            case_number=case_number,
            kind=doc.kind,
            format=doc.format,
            reason=doc.last_error,
        )
        for doc, case_number in rt.store.documents.failed(batch_id)
    ]
    courts = {}
    for court in rt.store.publications.courts_of(batch_id):
        bundle = latest.get(court.court_code)
        approval = approvals.get(court.court_code)
        missing = {f.case_number for f in failures if f.court_code == court.court_code and f.case_number}
        courts[court.court_code] = CourtStatus(
            state=court.state,
            last_error=court.last_error if court.state is not CourtState.PUBLISHED else None,
            documents=DocumentCounts.of(counts.get(court.court_code, {})),
            approval=Approval.of(approval) if approval else None,
            bundle=BundleInfo.of(bundle) if bundle else None,
            missing_cases=sorted(missing),
            ruling=_ruling(rt, rulings.get(court.court_code, [])),
        )
    return BatchStatus(
        batch_id=batch_id,
        filing=batch.filing,
        state=batch.state,
        decisions=batch.decision_count,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
        documents=sum((court.documents for court in courts.values()), DocumentCounts()),
        courts=courts,
        failures=failures,
    )


def _ruling(rt: Runtime, versions: list[RulingRow]) -> RulingInfo | None:
    if not versions:
        return None
    counts = rt.store.rulings.outcome_counts(versions[-1])
    return RulingInfo.of(versions[-1], {outcome.value: number for outcome, number in counts.items()})


def format_status(report: BatchStatus) -> str:
    """Return the status report as lines a person reads."""
    lines = [
        f"batch {report.batch_id}: {report.state}, {report.decisions} decision(s), filed {report.filing}",
        f"  documents: {_counts(report.documents)}",
    ]
    for code, court in report.courts.items():
        bundle = court.bundle
        kind = "" if bundle is None else (" final" if bundle.final else " DRAFT")
        where = f",{kind} bundle v{bundle.version}: {bundle.path}" if bundle else ""
        lines.append(f"  {code}: {court.state}, {_counts(court.documents)}{where}")
        lines.append(f"    filing: {court.filing_state}{_signed(court.approval)}")
        lines.append(f"    lifecycle: {court.lifecycle}")
        if court.ruling is not None:
            lines += _ruling_lines(court.ruling)
        if court.missing_cases:
            missing = ", ".join(court.missing_cases[:20]) + (" ..." if len(court.missing_cases) > 20 else "")
            lines.append(f"    INCOMPLETE: {len(court.missing_cases)} case(s) left out: {missing}")
        if court.last_error:
            lines.append(f"    last publication attempt failed: {court.last_error}")
    for failure in report.failures:
        case = f" (case {failure.case_number})" if failure.case_number else ""
        lines.append(f"  failed: {failure.kind}.{failure.format} {failure.subject}{case}: {failure.reason}")
    return "\n".join(lines)


def _ruling_lines(ruling: RulingInfo) -> list[str]:
    earlier = ruling.superseded_versions
    plural = "s" if earlier > 1 else ""
    amended = f" (amended; supersedes {earlier} earlier version{plural})" if earlier else ""
    judge = f" by {ruling.judge}" if ruling.judge else ""
    counts = ", ".join(f"{number} {outcome.replace('_', ' ')}" for outcome, number in ruling.counts.items())
    lines = [f"    ruling v{ruling.version}{amended}, signed {ruling.signed_on.isoformat()}{judge}: {counts}"]
    if ruling.order_path:
        lines.append(f"    signed order: {ruling.order_path} (sha256 {ruling.order_sha256})")
    if ruling.clerk_import_path:
        lines.append(f"    clerk import: {ruling.clerk_import_path}")
    return lines


def _signed(approval: Approval | None) -> str:
    if approval is None:
        return ""
    return f", signed by {approval.name} (SBN {approval.bar_number}) on {approval.approved_on.isoformat()}"


def _counts(counts: DocumentCounts) -> str:
    return f"{counts.rendered} rendered, {counts.failed} failed, {counts.pending} pending"


def wait_for_batch(
    rt: Runtime, batch_id: str, *, show: Callable[[BatchStatus], None], timeout: float | None = None
) -> bool:
    """Call `show` with each new status until every court bundle is published; False on timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    shown: BatchStatus | None = None
    while True:
        report = batch_status(rt, batch_id)
        if report is None:
            return False
        if shown is None or (report.documents, report.published_courts) != (
            shown.documents,
            shown.published_courts,
        ):
            show(report)
            shown = report
        if report.state is BatchState.PUBLISHED:
            return True
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)
