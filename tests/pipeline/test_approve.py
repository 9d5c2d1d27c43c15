"""Approving a court's filing: the signing attorney checked, each filing approved once, all courts
asked for or none, written to the audit log, and the approved courts sent back to be published
(a per-case batch's motions and orders made pending and queued again, to be rendered signed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from service.core.filing import FilingMode
from service.core.states import BatchState, CourtState, DocumentState
from service.db.accounts import Accounts
from service.db.rows import ApprovalRow, DocumentRow
from service.db.schema import batches, court_batches, documents
from service.db.sql import now
from service.errors import BusyError, ConflictError, InvalidInputError, NotFoundError
from service.pipeline.approve import approve_filing, filing_date
from service.pipeline.queue import waiting_jobs
from service.pipeline.runtime import Runtime
from service.pipeline.submit import submit_file
from tests.pipeline_helpers import make_pipeline
from tests.services import require_services, temporary_postgres_database

ATTORNEY: dict[str, Any] = {
    "name": "Dana Whitfield",
    "title": "Deputy District Attorney",
    "bar_number": "123456",
    "email": "dwhitfield@da.example.gov",
}
ACTOR = "attorney1"


@dataclass
class Batch:
    """A batch of four decisions in two courts, every document rendered, nothing published yet."""

    rt: Runtime
    batch_id: str
    courts: list[str]

    def approve(self, courts: list[str] | None, **changes: Any) -> list[ApprovalRow]:
        return approve_filing(self.rt, self.batch_id, courts, **{**ATTORNEY, **changes}, actor=ACTOR)

    def documents(self, court: str) -> list[DocumentRow]:
        return self.rt.store.documents.of_court(self.batch_id, court)

    def court_state(self, court: str) -> CourtState:
        return next(
            c.state for c in self.rt.store.publications.courts_of(self.batch_id) if c.court_code == court
        )

    def audit(self) -> list[tuple[str, str, str, str]]:
        entries = Accounts(self.rt.store).audit_entries()
        return [(e["actor"], e["action"], e["target"], e["outcome"]) for e in reversed(entries)]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the embedded SQLite database, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield None
        return
    require_services()
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def batch(database_url: str | None, tmp_path: Path) -> Iterator[Batch]:
    """An omnibus batch: nothing for workers to render, each court published at once."""
    with submitted(tmp_path / "out", database_url, FilingMode.OMNIBUS) as submission:
        yield submission


@pytest.fixture
def per_case(database_url: str | None, tmp_path: Path) -> Iterator[Batch]:
    """A per-case batch: a motion and an order (PDF and DOCX) for each of its four decisions."""
    with submitted(tmp_path / "out", database_url, FilingMode.PER_CASE) as submission:
        yield submission


@contextlib.contextmanager
def submitted(output: Path, database_url: str | None, filing: FilingMode) -> Iterator[Batch]:
    pipeline = make_pipeline(output, database_url=database_url)
    rt = pipeline.runtime()
    submission = submit_file(rt, pipeline.sample_file(4, courts=2, seed=13), filing=filing)
    with rt.store.engine.begin() as conn:  # as if the workers had rendered every document
        conn.execute(
            update(documents)
            .where(documents.c.batch_id == submission.batch_id)
            .values(state=DocumentState.RENDERED, attempts=1, job_id="render-old", claim="old")
        )
    courts = [court.court_code for court in rt.store.publications.courts_of(submission.batch_id)]
    assert len(courts) == 2
    try:
        yield Batch(rt, submission.batch_id, courts)
    finally:
        pipeline.close()


def test_an_approval_without_a_bar_number_is_refused_naming_bar_number(batch: Batch) -> None:
    for missing in ("", "   "):
        with pytest.raises(InvalidInputError) as refused:
            batch.approve(None, bar_number=missing)
        assert [(error.path, error.message) for error in refused.value.errors] == [
            ("bar_number", "is required")
        ]
    assert batch.rt.store.approvals.of_batch(batch.batch_id) == {}
    assert batch.audit()[-1] == (ACTOR, "approve_filing", f"{batch.batch_id}/*", "refused: InvalidInputError")


def test_every_invalid_field_of_the_attorney_is_named(batch: Batch) -> None:
    with pytest.raises(InvalidInputError) as refused:
        batch.approve(None, name=" ", title="", bar_number="12a", email="not an address")
    assert [str(error) for error in refused.value.errors] == [
        "name: is required",
        "title: is required",
        "bar_number: must be 1 to 7 digits",
        "email: must be an email address, such as name@example.org",
    ]


def test_an_approval_is_signed_by_the_attorney_dated_today_in_california_and_audited(batch: Batch) -> None:
    before = now()
    approvals = batch.approve(None, email=None)

    assert [a.court_code for a in approvals] == batch.courts
    assert {a.approved_on for a in approvals} <= {filing_date(before), filing_date(now())}
    stored = batch.rt.store.approvals.of_batch(batch.batch_id)
    assert stored == {a.court_code: a for a in approvals}
    first = stored[batch.courts[0]]
    assert (first.name, first.title, first.bar_number, first.email, first.approved_by) == (
        "Dana Whitfield",
        "Deputy District Attorney",
        "123456",
        None,
        ACTOR,
    )
    assert before <= first.approved_at <= now()
    assert batch.audit() == [
        (ACTOR, "approve_filing", f"{batch.batch_id}/{court}", "approved: SBN 123456")
        for court in batch.courts
    ]


def test_an_omnibus_court_is_published_again_at_once_when_approved(batch: Batch) -> None:
    court = batch.courts[0]
    assert batch.documents(court) == []  # an omnibus filing is rendered when its court is published
    batch.approve([court])

    row = next(c for c in batch.rt.store.publications.courts_of(batch.batch_id) if c.court_code == court)
    assert row.state is CourtState.PUBLISHING  # nothing to render: its publication is queued now
    assert row.job_id is not None and waiting_jobs(batch.rt.redis, [row.job_id]) == {row.job_id}
    assert batch.documents(court) == []


def test_a_per_case_court_renders_its_motions_and_orders_again_and_goes_back_to_rendering(
    per_case: Batch,
) -> None:
    batch = per_case
    approved, other = batch.courts
    with batch.rt.store.engine.begin() as conn:  # the court was published, the batch finished
        conn.execute(update(court_batches).values(state=CourtState.PUBLISHED))
        conn.execute(update(batches).values(state=BatchState.PUBLISHED))
    before = batch.documents(approved)
    assert before and {(doc.kind, doc.format) for doc in before} == {
        (kind, fmt) for kind in ("motion", "order") for fmt in ("pdf", "docx")
    }  # the whole per-case filing; no letter, which follows the ruling

    batch.approve([approved])

    again = batch.documents(approved)
    assert [doc.id for doc in again] == [doc.id for doc in before]
    assert all((doc.state, doc.attempts) == (DocumentState.PENDING, 0) for doc in again)
    with batch.rt.store.engine.connect() as conn:
        held = conn.execute(
            select(documents.c.claim, documents.c.lease_until).where(
                documents.c.id.in_([doc.id for doc in again])
            )
        ).all()
    assert {tuple(row) for row in held} == {(None, None)}  # free for any worker
    job_ids = sorted({doc.job_id for doc in again if doc.job_id is not None})
    assert len(job_ids) >= 1 and all(doc.job_id != "render-old" for doc in again)
    assert waiting_jobs(batch.rt.redis, job_ids) == set(job_ids)  # queued for the workers
    others = batch.documents(other)
    assert others and all(doc.state is DocumentState.RENDERED for doc in others)
    assert batch.court_state(approved) is CourtState.RENDERING
    assert batch.court_state(other) is CourtState.PUBLISHED
    report = batch.rt.store.batches.batch(batch.batch_id)
    assert report is not None and report.state is BatchState.RENDERING


def test_a_second_approval_is_refused_naming_who_approved_the_filing_and_when(batch: Batch) -> None:
    court = batch.courts[0]
    first = batch.approve([court])[0]

    with pytest.raises(ConflictError) as refused:
        batch.approve([court], name="Someone Else", bar_number="654321")

    message = str(refused.value)
    assert f"the {court} filing of batch {batch.batch_id} is already approved" in message
    assert f"signed by Dana Whitfield (SBN 123456) on {first.approved_on.isoformat()}" in message
    assert f"approved by {ACTOR} at {first.approved_at:%Y-%m-%d %H:%M} UTC" in message
    assert batch.rt.store.approvals.of_batch(batch.batch_id) == {court: first}
    assert batch.audit()[-1][3] == "refused: ConflictError"


def test_courts_are_approved_all_or_none(batch: Batch) -> None:
    approved, other = batch.courts
    batch.approve([approved])
    state = batch.court_state(other)

    with pytest.raises(ConflictError):
        batch.approve([other, approved])
    with pytest.raises(NotFoundError, match=f"batch {batch.batch_id} has no court NOPE$"):
        batch.approve([other, "NOPE"])

    assert list(batch.rt.store.approvals.of_batch(batch.batch_id)) == [approved]
    assert batch.court_state(other) is state


def test_the_database_records_approvals_all_or_none_when_two_attorneys_race(batch: Batch) -> None:
    """The checks before recording can both pass for two requests at once; the unique key decides."""
    approved, other = batch.courts
    batch.approve([approved])
    state = batch.court_state(other)
    late = [
        ApprovalRow(batch.batch_id, court, "B", "T", "1", None, date(2026, 1, 1), now(), "racer")
        for court in (other, approved)
    ]

    with pytest.raises(ConflictError, match="already approved"):
        batch.rt.store.approvals.approve(late)

    assert list(batch.rt.store.approvals.of_batch(batch.batch_id)) == [approved]
    assert batch.court_state(other) is state


def test_an_unknown_batch_is_not_found(batch: Batch) -> None:
    with pytest.raises(NotFoundError, match="no batch b20990101-0000000000"):
        approve_filing(batch.rt, "b20990101-0000000000", None, **ATTORNEY, actor=ACTOR)


def test_a_court_being_published_is_refused_until_that_has_finished(batch: Batch) -> None:
    court = batch.courts[0]
    with batch.rt.store.engine.begin() as conn:
        conn.execute(
            update(court_batches)
            .where(court_batches.c.batch_id == batch.batch_id, court_batches.c.court_code == court)
            .values(state=CourtState.PUBLISHING, owner="publisher", lease_until=now() + timedelta(minutes=5))
        )

    with pytest.raises(BusyError, match=f"the {court} filing of batch .* is being published; approve once"):
        batch.approve(None)

    assert batch.rt.store.approvals.of_batch(batch.batch_id) == {}
    assert batch.court_state(court) is CourtState.PUBLISHING


@pytest.mark.parametrize(
    ("moment", "dated"),
    [
        (datetime(2026, 12, 1, 7, 59, tzinfo=UTC), date(2026, 11, 30)),  # 11:59 pm in California (PST)
        (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), date(2026, 12, 1)),
        (datetime(2026, 7, 1, 6, 59, tzinfo=UTC), date(2026, 6, 30)),  # PDT: seven hours behind
        (datetime(2026, 7, 1, 7, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
)
def test_a_filing_is_dated_the_day_of_approval_in_california(moment: datetime, dated: date) -> None:
    assert filing_date(moment) == dated


def test_deleting_a_batch_deletes_its_approvals(batch: Batch) -> None:
    batch.approve(None)
    deleted = batch.rt.store.batches.delete_batch(batch.batch_id)
    assert deleted["filing_approvals"] == 2
    assert batch.rt.store.approvals.of_batch(batch.batch_id) == {}
