"""What a batch looks like now (one typed BatchStatus for CLI, API and pages), and waiting for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from service.core.kinds import DocumentKind, OutputFormat
from service.core.states import BatchState, CourtState, DocumentState
from service.db.rows import BundleRow
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
    path: str | None = None  # relative to the output folder (CLI); None over HTTP
    url: str | None = None  # the download link (API); None on the command line

    @classmethod
    def of(cls, row: BundleRow) -> BundleInfo:
        return cls(
            version=row.version, sha256=row.sha256, bytes=row.bytes, created_at=row.created_at, path=row.path
        )


class CourtStatus(BaseModel):
    """One court batch: its state, its documents, its latest bundle."""

    state: CourtState
    last_error: str | None = None  # why the last publication attempt failed, until one succeeds
    documents: DocumentCounts
    bundle: BundleInfo | None = None


class Failure(BaseModel):
    """A document that failed for good, and why."""

    subject: str
    kind: DocumentKind
    format: OutputFormat
    reason: str | None


class BatchStatus(BaseModel):
    """A batch now: its state, documents overall and per court, latest bundles, failures."""

    batch_id: str
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
    courts = {}
    for court in rt.store.publications.courts_of(batch_id):
        bundle = latest.get(court.court_code)
        courts[court.court_code] = CourtStatus(
            state=court.state,
            last_error=court.last_error if court.state is not CourtState.PUBLISHED else None,
            documents=DocumentCounts.of(counts.get(court.court_code, {})),
            bundle=BundleInfo.of(bundle) if bundle else None,
        )
    failures = [
        Failure(subject=doc.subject, kind=doc.kind, format=doc.format, reason=doc.last_error)
        for doc in rt.store.documents.failed(batch_id)
    ]
    return BatchStatus(
        batch_id=batch_id,
        state=batch.state,
        decisions=batch.decision_count,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
        documents=sum((court.documents for court in courts.values()), DocumentCounts()),
        courts=courts,
        failures=failures,
    )


def format_status(report: BatchStatus) -> str:
    """Return the status report as lines a person reads."""
    lines = [
        f"batch {report.batch_id}: {report.state}, {report.decisions} decision(s)",
        f"  documents: {_counts(report.documents)}",
    ]
    for code, court in report.courts.items():
        bundle = court.bundle
        where = f", bundle v{bundle.version}: {bundle.path}" if bundle else ""
        lines.append(f"  {code}: {court.state}, {_counts(court.documents)}{where}")
        if court.last_error:
            lines.append(f"    last publication attempt failed: {court.last_error}")
    for failure in report.failures:
        lines.append(f"  failed: {failure.kind}.{failure.format} {failure.subject}: {failure.reason}")
    return "\n".join(lines)


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
