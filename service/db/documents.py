"""Reading a batch's documents: by court, by state, finished ones with their case numbers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from service.core.kinds import DocumentKind, OutputFormat
from service.core.states import DocumentState
from service.db.rows import (
    DocumentRow,
)
from service.db.schema import decisions, documents
from service.db.sql import IN_CHUNK, Queries, chunks
from service.errors import MissingDecisionError


class DocumentQueries(Queries):
    """Reading documents (their leases are in leases.py)."""

    def record_left_out(self, batch_id: str, court_code: str, reasons: dict[str, str]) -> None:
        """Record cases an omnibus filing leaves out (their Exhibit A row cannot render) as failed.

        One failed `exhibit` row per case, so that status, the index, `retry` and `check` see it as
        any failed document; recording the same case again changes nothing.
        """
        with self.engine.begin() as conn:
            known = set(
                conn.scalars(
                    select(documents.c.subject).where(
                        documents.c.batch_id == batch_id,
                        documents.c.kind == DocumentKind.EXHIBIT,
                        documents.c.subject.in_(list(reasons)),
                    )
                )
            )
            new = [
                {
                    "batch_id": batch_id,
                    "court_code": court_code,
                    "subject": decision_id,
                    "kind": DocumentKind.EXHIBIT,
                    "format": OutputFormat.PDF,
                    "state": DocumentState.FAILED,
                    "attempts": 1,
                    "last_error": reason[:2000],
                }
                for decision_id, reason in sorted(reasons.items())
                if decision_id not in known
            ]
            if new:
                conn.execute(insert(documents), new)

    def of_court(self, batch_id: str, court_code: str) -> list[DocumentRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents)
                .where(documents.c.batch_id == batch_id, documents.c.court_code == court_code)
                .order_by(documents.c.id)
            )
            return [DocumentRow.from_row(row) for row in rows]

    def failed_subjects(self, batch_id: str, court_code: str) -> set[str]:
        """Return every subject (decision or person) of the court batch with a failed document."""
        with self.engine.connect() as conn:
            return set(
                conn.scalars(
                    select(documents.c.subject)
                    .distinct()
                    .where(*_court_documents(batch_id, court_code), documents.c.state == DocumentState.FAILED)
                )
            )

    def finished_documents(self, batch_id: str, court_code: str) -> Iterator[tuple[DocumentRow, str]]:
        """Yield the rendered and failed documents of a court batch with their case numbers, streaming.

        A letter's case numbers are those of the person's decisions in this court, space-separated.
        """
        finished = (*_court_documents(batch_id, court_code), documents.c.state != DocumentState.PENDING)
        of_case = decisions.c.decision_id == documents.c.subject
        of_person = and_(
            decisions.c.person_key == documents.c.subject, decisions.c.court_code == documents.c.court_code
        )
        with self.engine.connect() as conn:
            streaming = conn.execution_options(stream_results=True, yield_per=1000)
            letter = documents.c.kind == DocumentKind.LETTER
            for kinds, joined in ((~letter, of_case), (letter, of_person)):
                rows = streaming.execute(
                    select(documents, decisions.c.case_number)
                    .outerjoin(decisions, and_(decisions.c.batch_id == documents.c.batch_id, joined))
                    .where(*finished, kinds)
                    .order_by(documents.c.id, decisions.c.case_number, decisions.c.decision_id)
                )
                for _, group in itertools.groupby(rows, key=lambda row: row.id):
                    first, *more = group
                    if first.case_number is None:
                        raise MissingDecisionError(f"document {first.id} has no decision in its court batch")
                    numbers = " ".join([first.case_number] + [row.case_number for row in more])
                    yield DocumentRow.from_row(first), numbers

    def failed(self, batch_id: str, limit: int = 1000) -> list[tuple[DocumentRow, str | None]]:
        """Return failed documents of a batch with the case number of their decision (None: a letter)."""
        same_batch = decisions.c.batch_id == documents.c.batch_id
        of_case = and_(same_batch, decisions.c.decision_id == documents.c.subject)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents, decisions.c.case_number)
                .outerjoin(decisions, of_case)
                .where(documents.c.batch_id == batch_id, documents.c.state == DocumentState.FAILED)
                .order_by(documents.c.id)
                .limit(limit)
            )
            return [(DocumentRow.from_row(row), row.case_number) for row in rows]

    def state_counts(self, batch_id: str) -> dict[str, dict[DocumentState, int]]:
        """Return {court_code: {state: documents}} for a batch."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents.c.court_code, documents.c.state, func.count())
                .where(documents.c.batch_id == batch_id)
                .group_by(documents.c.court_code, documents.c.state)
            )
            counts: dict[str, dict[DocumentState, int]] = {}
            for court_code, state, number in rows:
                counts.setdefault(court_code, {})[DocumentState(state)] = number
            return counts

    def document(
        self, batch_id: str, kind: DocumentKind, output_format: OutputFormat, subject: str
    ) -> DocumentRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(documents).where(
                    documents.c.batch_id == batch_id,
                    documents.c.kind == kind,
                    documents.c.format == output_format,
                    documents.c.subject == subject,
                )
            ).first()
            return DocumentRow.from_row(row) if row else None

    def courts_of_documents(self, document_ids: Sequence[int]) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.scalars(
                    select(documents.c.court_code).where(documents.c.id.in_(document_ids)).distinct()
                )
            )

    def set_job(self, document_ids: Sequence[int], job_id: str) -> None:
        with self.engine.begin() as conn:
            for chunk in chunks(document_ids, IN_CHUNK):
                conn.execute(update(documents).where(documents.c.id.in_(chunk)).values(job_id=job_id))


def _court_documents(batch_id: str, court_code: str) -> tuple[Any, Any]:
    return documents.c.batch_id == batch_id, documents.c.court_code == court_code
