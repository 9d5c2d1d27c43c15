"""A court filing made final cheaply, for the ruling tests: a few decisions, approved, published here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, update

from service.core.models import Decision, from_stored
from service.core.states import DocumentState
from service.db.schema import documents, filing_approvals
from service.db.sql import now
from service.pipeline.approve import approve_filing, filing_date
from service.pipeline.publish import publish_as_owner
from service.pipeline.runtime import Runtime
from service.pipeline.submit import submit_file
from tests.pipeline_helpers import Pipeline, make_pipeline

ATTORNEY = {"name": "Dana Whitfield", "title": "Deputy District Attorney", "bar_number": "123456"}
APPROVED_DAYS_AGO = 10  # the approval is moved back, so that a ruling may be dated between it and today
ORDER_PDF = b"%PDF-1.4\n% the judge's signed order, as scanned\n%%EOF\n"


@dataclass
class FinalFiling:
    """A batch of two courts: the first's filing approved and published final, the second a draft."""

    pipeline: Pipeline
    rt: Runtime
    batch_id: str
    court: str  # final
    draft_court: str  # never approved
    decisions: list[Decision]  # the final court's, in case-number order
    failed: list[Decision]  # of those, the ones left out of the filing (a document failed)
    approved_on: date

    @property
    def today(self) -> date:
        return filing_date(now())

    @property
    def filed(self) -> list[Decision]:
        failed = {d.decision_id for d in self.failed}
        return [d for d in self.decisions if d.decision_id not in failed]

    def order(self, content: bytes = ORDER_PDF, name: str = "signed-order.pdf") -> Path:
        path = self.pipeline.output / name
        path.write_bytes(content)
        return path

    def exceptions(self, text: str, name: str = "exceptions.csv") -> Path:
        path = self.pipeline.output / name
        path.write_bytes(text.encode("utf-8"))
        return path


@contextlib.contextmanager
def final_filing(output: Path, database_url: str | None = None, *, fail: int = 0) -> Iterator[FinalFiling]:
    """Yield a FinalFiling; `fail` decisions of the final court have a failed document, left out."""
    pipeline = make_pipeline(output, database_url=database_url)
    try:
        rt = pipeline.runtime()
        batch_id = submit_file(rt, pipeline.sample_file(6, courts=2, seed=13)).batch_id
        court, draft_court = (c.court_code for c in rt.store.publications.courts_of(batch_id))
        decisions = [from_stored(p) for _, p in rt.store.batches.court_payloads(batch_id, court)]
        failed = decisions[len(decisions) - fail :]
        with rt.store.engine.begin() as conn:  # as if the workers had rendered every document
            conn.execute(
                update(documents)
                .where(documents.c.batch_id == batch_id)
                .values(state=DocumentState.RENDERED, attempts=1, job_id="render-old", claim="old")
            )
            for decision in failed:  # a per-case document that failed for good leaves its case out
                conn.execute(
                    insert(documents).values(
                        batch_id=batch_id,
                        court_code=court,
                        subject=decision.decision_id,
                        kind="motion",
                        format="pdf",
                        state=DocumentState.FAILED,
                        attempts=1,
                        last_error="failed for the test",
                    )
                )
        approve_filing(rt, batch_id, [court], **ATTORNEY, email=None, actor="attorney1")
        assert publish_as_owner(rt, batch_id, court)["published"]
        approved_on = filing_date(now()) - timedelta(days=APPROVED_DAYS_AGO)
        with rt.store.engine.begin() as conn:
            conn.execute(update(filing_approvals).values(approved_on=approved_on))
        yield FinalFiling(pipeline, rt, batch_id, court, draft_court, decisions, failed, approved_on)
    finally:
        pipeline.close()
