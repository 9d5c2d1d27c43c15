"""Accept a batch: validate all of it, store it once, queue its documents."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from service.bundle.layout import rejections_path
from service.core.files import write_atomic
from service.core.filing import FilingMode
from service.core.plan import person_key, plan_documents
from service.core.states import BatchState
from service.core.validation import Record, ValidationReport, read_records, validate_records
from service.db.rows import BatchRow, DecisionRow
from service.errors import ConflictError, FieldError, InvalidInputError
from service.pipeline.dispatch import enqueue_documents, publish_when_finished
from service.pipeline.runtime import Runtime


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the batch (new, or the one submitted before)."""

    batch_id: str
    created: bool
    decisions: int
    rejected: int = 0
    jobs: int = 0
    report: Path | None = None


def submit_file(
    rt: Runtime,
    path: Path,
    *,
    filing: FilingMode = FilingMode.OMNIBUS,
    idempotency_key: str | None = None,
    skip_invalid: bool = False,
) -> Submission:
    """Submit a .json or .jsonl file of decisions, to be filed as `filing` says."""
    with path.open("rb") as stream:
        content_sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
    return submit_records(
        rt,
        read_records(path),
        content_sha256,
        source=path.name,
        filing=filing,
        idempotency_key=idempotency_key,
        skip_invalid=skip_invalid,
    )


def submit_records(
    rt: Runtime,
    records: Iterable[Record],
    content_sha256: str,
    *,
    source: str,
    filing: FilingMode = FilingMode.OMNIBUS,
    idempotency_key: str | None = None,
    skip_invalid: bool = False,
) -> Submission:
    """Validate every record, then store and queue the batch; the same key or content gives the same batch.

    An omnibus batch queues no per-case documents: each court is published at once.
    """
    existing = rt.store.batches.find_batch(idempotency_key=idempotency_key, content_sha256=content_sha256)
    if existing:
        return _existing(rt, existing, filing)
    report = validate_records(records, max_decisions=rt.settings.max_batch_decisions)
    if report.errors and (not skip_invalid or not report.decisions):
        raise InvalidInputError(report.errors)
    try:
        _refuse_unfinished_duplicates(rt, report)
    except InvalidInputError:
        # A concurrent submission of this same file may have stored it while this one validated.
        existing = rt.store.batches.find_batch(idempotency_key=idempotency_key, content_sha256=content_sha256)
        if existing is None:
            raise
        return _existing(rt, existing, filing)
    batch_id = f"b{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(5)}"
    try:
        _store(rt, batch_id, report, content_sha256, source, idempotency_key, filing)
    except IntegrityError:
        # The same content or key was stored by a concurrent submission a moment ago: that is the batch.
        existing = rt.store.batches.find_batch(idempotency_key=idempotency_key, content_sha256=content_sha256)
        if existing is None:
            raise
        return _existing(rt, existing, filing)
    report_path = _write_rejections(rt, batch_id, report) if report.errors else None
    pending = [
        doc
        for court in rt.store.publications.courts_of(batch_id)
        for doc in rt.store.documents.of_court(batch_id, court.court_code)
    ]
    jobs = enqueue_documents(rt, pending)
    for court in rt.store.publications.courts_of(batch_id):
        jobs += publish_when_finished(rt, batch_id, court.court_code)
    return Submission(
        batch_id, True, len(report.decisions), len(report.rejected_positions), jobs, report_path
    )


def _existing(rt: Runtime, batch_id: str, filing: FilingMode) -> Submission:
    """Return the batch submitted before; refuse it if it was submitted to be filed another way."""
    batch = rt.store.batches.batch(batch_id)
    if batch is not None and batch.filing is not filing:
        raise ConflictError(
            f"this file was submitted before as batch {batch_id}, to be filed {batch.filing.value}; "
            f"a court files its cases one way only, so it is not filed {filing.value} as well"
        )
    return Submission(batch_id, False, batch.decision_count if batch else 0)


def _refuse_unfinished_duplicates(rt: Runtime, report: ValidationReport) -> None:
    ids = [decision.decision_id for decision in report.decisions]
    elsewhere = rt.store.batches.decisions_in_unfinished_batches(ids)
    if elsewhere:
        raise InvalidInputError(
            [
                FieldError(
                    "",
                    decision_id,
                    "decision_id",
                    f"is already in batch {batch_id}, which is not finished",
                )
                for decision_id, batch_id in sorted(elsewhere.items())
            ]
        )


def _store(
    rt: Runtime,
    batch_id: str,
    report: ValidationReport,
    content_sha256: str,
    source: str,
    key: str | None,
    filing: FilingMode,
) -> None:
    decisions = report.decisions
    salt = secrets.token_hex(16)
    batch = BatchRow(
        id=batch_id,
        idempotency_key=key,
        content_sha256=content_sha256,
        person_salt=salt,
        source=source[:200],
        state=BatchState.RENDERING,
        decision_count=len(decisions),
        created_at=datetime.now(UTC),
        finished_at=None,
        filing=filing,
    )
    decision_rows = [
        DecisionRow(
            batch_id=batch_id,
            decision_id=decision.decision_id,
            position=position,
            court_code=decision.court.code,
            case_number=decision.case.number,
            person_key=person_key(decision, salt),
            payload=decision.model_dump_json(),
        )
        for position, decision in enumerate(decisions)
    ]
    courts = sorted({decision.court.code for decision in decisions})
    rt.store.batches.insert_batch(batch, decision_rows, plan_documents(decisions, filing), courts)


def _write_rejections(rt: Runtime, batch_id: str, report: ValidationReport) -> Path:
    """Write the rejected decisions' errors (identifiers and field paths only) beside the batch."""
    target = rt.settings.output_dir / rejections_path(batch_id)
    write_atomic(target, "".join(f"{error}\n" for error in report.errors).encode("utf-8"))
    return target
