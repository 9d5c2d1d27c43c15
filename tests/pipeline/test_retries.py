"""Only transient faults are retried: a render job driven in-process (`render_with`) meets each kind.

A permanent fault (an unsafe file name, a missing decision, a bug) fails its document at the first
attempt with its reason; a transient one (a full disk) frees it, pending, for the next attempt.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from rq.timeouts import JobTimeoutException
from sqlalchemy import delete, update

from service.core.filing import FilingMode
from service.db.rows import DocumentRow
from service.db.schema import decisions, documents
from service.db.sql import now
from service.errors import StorageUnavailableError
from service.pipeline.rendering import render_with
from service.pipeline.runtime import Runtime
from service.pipeline.submit import submit_file
from tests.pipeline_helpers import Pipeline, make_pipeline

COURT = "LA-CCB"


@dataclass
class Batch:
    """A submitted, unrendered per-case batch of two decisions in one court, and its runtime here."""

    rt: Runtime
    batch_id: str
    decision_ids: list[str]
    document_ids: list[int]

    def documents(self) -> list[DocumentRow]:
        return self.rt.store.documents.of_court(self.batch_id, COURT)

    def of(self, decision_id: str) -> list[DocumentRow]:
        """The motion and order documents (both formats) of one decision."""
        return [doc for doc in self.documents() if doc.subject == decision_id]

    def render(self) -> dict[str, int]:
        return render_with(self.rt, self.batch_id, self.document_ids)


@pytest.fixture
def batch(tmp_path: Path) -> Iterator[Batch]:
    pipeline: Pipeline = make_pipeline(tmp_path / "out")
    rt = pipeline.runtime()
    sample = pipeline.sample_file(2, courts=1, seed=61)
    submission = submit_file(rt, sample, filing=FilingMode.PER_CASE)  # an omnibus batch has no render jobs
    docs = rt.store.documents.of_court(submission.batch_id, COURT)
    assert len(docs) == 8  # a motion and an order per decision, PDF and DOCX
    subjects = sorted({doc.subject for doc in docs})
    yield Batch(rt, submission.batch_id, subjects, [doc.id for doc in docs])
    pipeline.close()


def assert_failed_at_first_attempt(docs: list[DocumentRow], reason: str) -> None:
    assert docs and all(doc.state == "failed" for doc in docs), docs
    assert all(doc.attempts == 1 for doc in docs), [doc.attempts for doc in docs]
    assert all((doc.last_error or "").startswith(reason) for doc in docs), [doc.last_error for doc in docs]


def test_an_unsafe_path_fails_the_document_at_the_first_attempt(batch: Batch) -> None:
    unsafe = batch.decision_ids[0]
    with batch.rt.store.engine.begin() as conn:
        conn.execute(
            update(documents)
            .where(documents.c.batch_id == batch.batch_id, documents.c.subject == unsafe)
            .values(court_code="..")
        )
    outcome = batch.render()  # permanent: nothing is raised for rq to retry
    unsafe_docs = [doc for doc in batch.rt.store.documents.of_court(batch.batch_id, "..")]
    assert_failed_at_first_attempt(unsafe_docs, "UnsafePathError: refusing to use '..' in a file name")
    assert outcome["failed"] == len(unsafe_docs) == 4
    assert all(doc.state == "rendered" for doc in batch.documents())  # the others went on


def test_a_missing_decision_fails_its_documents_at_the_first_attempt(batch: Batch) -> None:
    gone = batch.decision_ids[0]
    with batch.rt.store.engine.begin() as conn:
        conn.execute(
            delete(decisions).where(decisions.c.batch_id == batch.batch_id, decisions.c.decision_id == gone)
        )
    batch.render()
    assert_failed_at_first_attempt(
        batch.of(gone), f"MissingDecisionError: batch {batch.batch_id} has no decision"
    )
    assert all(doc.state == "rendered" for doc in batch.of(batch.decision_ids[1]))


def test_a_bug_fails_the_document_at_once_naming_only_the_error_type(
    batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another library's message may quote a decision's values: only its type is stored."""

    def broken(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise ValueError("Jane Q. Public, born 1990-01-01")

    monkeypatch.setattr(batch.rt.renderer, "html", broken)
    batch.render()
    docs = batch.documents()
    assert_failed_at_first_attempt(docs, "ValueError")
    assert all(doc.last_error == "ValueError" for doc in docs)


def test_a_full_disk_leaves_the_document_pending_and_the_next_attempt_renders_it(
    batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(_source: Any, _target: Any) -> NoReturn:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("service.core.files.os.replace", disk_full)
    with pytest.raises(StorageUnavailableError, match="No space left on device"):
        batch.render()  # rq records the job as failed; reconcile queues the documents again
    docs = batch.documents()
    assert all(doc.state == "pending" and doc.attempts == 1 for doc in docs), docs
    assert all((doc.last_error or "").startswith("StorageUnavailableError: cannot write") for doc in docs), [
        doc.last_error for doc in docs
    ]
    assert (
        batch.rt.store.leases.pending_unleased(now()) == docs
    )  # freed at once, not held until the lease ends
    monkeypatch.undo()  # space is back
    assert batch.render() == {"rendered": len(docs), "failed": 0}
    assert all(doc.state == "rendered" and doc.attempts == 2 for doc in batch.documents())


def test_a_job_out_of_time_leaves_its_documents_pending_for_reconcile(
    batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rq's timeout is the job's, not the document's: nothing is failed, the lease runs out."""

    def out_of_time(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise JobTimeoutException("Task exceeded maximum timeout value (600 seconds)")

    monkeypatch.setattr(batch.rt.renderer, "html", out_of_time)
    with pytest.raises(JobTimeoutException):
        batch.render()
    assert all(doc.state == "pending" and doc.attempts == 1 for doc in batch.documents())
