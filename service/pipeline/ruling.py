"""Record the court's ruling on a court filing: the judge's signed order, its date, its exceptions.

A ruling is recorded only for a final filing (approved, and its latest bundle signed). It is
dated the day the judge signed, which is neither before the filing was approved nor in the future
(in California). Every count of the filing is granted as filed unless the exceptions CSV says
otherwise. The signed order is stored beside the batch with its SHA-256, and a clerk import is
written with every count's outcome, so that no one re-keys it. Recording the same ruling again is
one ruling; a different one for a filing already ruled on is refused unless it amends it, as the
next version, which supersedes the one before.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service.bundle.layout import ruling_clerk_import_path, ruling_order_path
from service.bundle.manifest import write_csv
from service.core.files import TEMP_PREFIX, write_atomic
from service.core.models import Decision, from_stored
from service.core.ruling import (
    CountOutcome,
    Outcome,
    Ruling,
    content_digest,
    exceptions_line,
    read_exceptions,
)
from service.db.accounts import Accounts
from service.db.rows import NewRuling, RulingRow
from service.db.sql import now
from service.errors import (
    ConflictError,
    CourtdocsError,
    FieldError,
    InvalidInputError,
    InvalidRequestError,
    NotFoundError,
)
from service.pipeline.approve import filing_date
from service.pipeline.runtime import Runtime

AUDIT_ACTION = "record_ruling"
PDF_MAGIC = b"%PDF-"
JUDGE_MAX = 200  # characters of the judge's name (rulings.judge)
CLERK_IMPORT_HEADER = (
    "case_number",
    "name",
    "cii",
    "count",
    "section",
    "relief",
    "outcome",
    "order_date",
    "note",
    "decision_id",
)


@dataclass(frozen=True)
class RecordedRuling:
    """A ruling as recorded (or found recorded already): its row, what it decided, its counts."""

    row: RulingRow
    ruling: Ruling
    counts: dict[Outcome, int]  # the filing's counts by outcome
    new: bool  # False: the same ruling was recorded before, and nothing was recorded now


def record_ruling(
    rt: Runtime,
    batch_id: str,
    court_code: str,
    *,
    signed_on: date,
    order: Path,
    judge: str | None,
    exceptions: Path | None,
    amend: bool,
    actor: str,
) -> RecordedRuling:
    """Record the ruling on a court's filing of a batch, or return the same one recorded before.

    NotFoundError: an unknown batch or court. ConflictError: a filing not yet final, or ruled on
    already by another ruling (unless `amend`). InvalidInputError names each bad field: signed_on
    before the approval or in the future, an order that is not a PDF or too large, a judge's name
    too long, and each bad line of the exceptions (unknown outcome, a case or count not in the
    filing, a count named twice). InvalidRequestError: `amend` with no ruling to amend.
    Each ruling is written to the audit log, and so is each refusal.
    """
    accounts = Accounts(rt.store)
    target = f"{batch_id}/{court_code}"
    try:
        recorded = _record(rt, batch_id, court_code, signed_on, order, judge, exceptions, amend, actor)
    except CourtdocsError as error:
        accounts.audit(actor, AUDIT_ACTION, target, f"refused: {type(error).__name__}"[:40])
        raise
    version = f"v{recorded.row.version}"
    if not recorded.new:
        outcome = f"unchanged: {version} recorded before"
    elif recorded.row.supersedes_id is not None:
        outcome = f"amended: {version} supersedes v{recorded.row.version - 1}"
    else:
        outcome = f"recorded: {version}, signed {recorded.row.signed_on.isoformat()}"
    accounts.audit(actor, AUDIT_ACTION, target, outcome)
    return recorded


def _record(
    rt: Runtime,
    batch_id: str,
    court_code: str,
    signed_on: date,
    order: Path,
    judge: str | None,
    exceptions_file: Path | None,
    amend: bool,
    actor: str,
) -> RecordedRuling:
    approved_on = _final_filing(rt, batch_id, court_code)
    judge = judge.strip() if judge and judge.strip() else None
    errors = _date_errors(signed_on, approved_on) + _judge_errors(judge)
    content, order_errors = _order(order, rt.settings.max_order_bytes)
    errors += order_errors
    lines: list[tuple[int, CountOutcome]] = []
    if exceptions_file is not None:
        lines, line_errors = read_exceptions(_read(exceptions_file, "exceptions"))
        errors += line_errors
    filed = _filed_counts(rt, batch_id, court_code)
    errors += _not_filed(lines, filed, court_code)
    exceptions = sorted((e for _, e in lines), key=lambda e: (e.case_number, e.count))
    if errors:
        raise InvalidInputError(errors)
    order_sha256 = _sha256(content)
    digest = content_digest(signed_on, judge, order_sha256, exceptions)
    previous = rt.store.rulings.latest(batch_id, court_code)
    if previous is not None and previous.content_digest == digest:
        ruling = rt.store.rulings.ruling(previous)
        return RecordedRuling(previous, ruling, ruling.tally(filed), new=False)
    if previous is not None and not amend:
        raise ConflictError(
            f"the {court_code} filing of batch {batch_id} has a ruling already: version {previous.version},"
            f" signed on {previous.signed_on.isoformat()}, recorded by {previous.recorded_by};"
            " record an amended ruling (--amend) to supersede it"
        )
    if previous is None and amend:
        raise InvalidRequestError(
            f"the {court_code} filing of batch {batch_id} has no ruling to amend; record it without amend"
        )
    version = previous.version + 1 if previous else 1
    ruling = Ruling(batch_id, court_code, version, signed_on, judge, order_sha256, tuple(exceptions))
    order_path = ruling_order_path(batch_id, court_code, version)
    clerk_path = ruling_clerk_import_path(batch_id, court_code, version)
    output = rt.settings.output_dir
    # Written under temporary names first, put in place only while the version is held (below).
    staged_order, staged_clerk = _staged(output / order_path), _staged(output / clerk_path)
    try:
        write_atomic(staged_order, content)
        clerk_sha256, _ = write_csv(staged_clerk, _clerk_rows(rt, ruling))

        def put_in_place() -> None:
            os.replace(staged_order, output / order_path)
            os.replace(staged_clerk, output / clerk_path)

        row = rt.store.rulings.record(
            NewRuling(
                batch_id=batch_id,
                court_code=court_code,
                version=version,
                signed_on=signed_on,
                judge=judge,
                order_path=order_path,
                order_sha256=order_sha256,
                order_bytes=len(content),
                filed_counts=len(filed),
                clerk_import_path=clerk_path,
                clerk_import_sha256=clerk_sha256,
                content_digest=digest,
                recorded_at=now(),
                recorded_by=actor,
                supersedes_id=previous.id if previous else None,
            ),
            exceptions,
            before_commit=put_in_place,
        )
    finally:
        staged_order.unlink(missing_ok=True)
        staged_clerk.unlink(missing_ok=True)
    return RecordedRuling(row, ruling, ruling.tally(filed), new=True)


def _final_filing(rt: Runtime, batch_id: str, court_code: str) -> date:
    """Return the day the court's filing was approved; refuse a filing that is not final yet."""
    if rt.store.batches.batch(batch_id) is None:
        raise NotFoundError(f"no batch {batch_id}")
    if court_code not in {court.court_code for court in rt.store.publications.courts_of(batch_id)}:
        raise NotFoundError(f"batch {batch_id} has no court {court_code}")
    approval = rt.store.approvals.of_court(batch_id, court_code)
    bundle = rt.store.publications.latest_bundle(batch_id, court_code)
    if approval is None or bundle is None or not bundle.final:
        why = "not approved" if approval is None else "approved, its signed filing not published yet"
        raise ConflictError(
            f"a ruling for a filing not yet final: the {court_code} filing of batch {batch_id} is {why}"
        )
    return approval.approved_on


def _date_errors(signed_on: date, approved_on: date) -> list[FieldError]:
    today = filing_date(now())
    if signed_on < approved_on:
        return [_field("signed_on", f"{signed_on} is before the filing was approved, on {approved_on}")]
    if signed_on > today:
        return [_field("signed_on", f"{signed_on} is in the future (today is {today} in California)")]
    return []


def _judge_errors(judge: str | None) -> list[FieldError]:
    if judge is not None and len(judge) > JUDGE_MAX:
        return [_field("judge", f"must be at most {JUDGE_MAX} characters")]
    return []


def _order(order: Path, limit: int) -> tuple[bytes, list[FieldError]]:
    """Return the signed order's bytes, or the reasons it cannot be recorded."""
    try:
        size = order.stat().st_size
    except OSError as error:
        return b"", [_field("order", f"cannot be read: {error.strerror or error}")]
    if size > limit:
        return b"", [_field("order", f"is {size} bytes, over the limit of {limit}")]
    content = _read(order, "order")
    if not content.startswith(PDF_MAGIC):
        return b"", [_field("order", "is not a PDF (it does not start with %PDF-)")]
    return content, []


def _read(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInputError([_field(name, f"cannot be read: {error.strerror or error}")]) from None


def _filed(rt: Runtime, batch_id: str, court_code: str) -> Iterator[Decision]:
    """Yield the decisions of the court's filing in case-number order (a failed one was left out)."""
    failed = rt.store.documents.failed_subjects(batch_id, court_code)
    for decision_id, payload in rt.store.batches.court_payloads(batch_id, court_code):
        if decision_id not in failed:
            yield from_stored(payload)


def _filed_counts(rt: Runtime, batch_id: str, court_code: str) -> dict[tuple[str, int], None]:
    """Return every (case number, count) of the court's filing, in filing order."""
    return {
        (decision.case.number, count.count): None
        for decision in _filed(rt, batch_id, court_code)
        for count in decision.counts
    }


def _not_filed(
    lines: list[tuple[int, CountOutcome]], filed: dict[tuple[str, int], None], court_code: str
) -> list[FieldError]:
    """Name each exception whose case or count is not in the filing, by its line of the CSV."""
    cases = {case for case, _ in filed}
    errors = []
    for line, exception in lines:
        if exception.case_number not in cases:
            errors.append(
                FieldError(
                    exceptions_line(line),
                    None,
                    "case_number",
                    f"case {exception.case_number} is not in the {court_code} filing",
                )
            )
        elif (exception.case_number, exception.count) not in filed:
            counts = ", ".join(str(n) for case, n in filed if case == exception.case_number)
            errors.append(
                FieldError(
                    exceptions_line(line),
                    None,
                    "count",
                    f"case {exception.case_number} has no count {exception.count} in the filing"
                    f" (its counts: {counts})",
                )
            )
    return errors


def _clerk_rows(rt: Runtime, ruling: Ruling) -> Iterator[list[str]]:
    """Yield the ruling's clerk import: one row per count of the filing, with its outcome."""
    yield list(CLERK_IMPORT_HEADER)
    for decision in _filed(rt, ruling.batch_id, ruling.court_code):
        for count in decision.counts:
            outcome = ruling.outcome_of(decision.case.number, count.count)
            yield [
                decision.case.number,
                decision.person.name,
                decision.person.cii or "",
                str(count.count),
                f"{count.code} {count.section}",
                count.relief.value,
                outcome.outcome.value,
                ruling.signed_on.isoformat(),
                outcome.note,
                decision.decision_id,
            ]


def _staged(target: Path) -> Path:
    """Return a temporary name beside a ruling's file (`courtdocs check` reports one left behind)."""
    return target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}-{target.name}")


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _field(path: str, message: str) -> FieldError:
    return FieldError("", None, path, message)
