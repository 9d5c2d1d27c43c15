"""Batches and their decisions: store a batch whole, find it again, read its decisions, delete it."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence

from sqlalchemy import delete, insert, or_, select

from service.core.plan import PlannedDocument
from service.core.states import BatchState, CourtState, DocumentState
from service.db.rows import (
    BatchRow,
    DecisionRow,
    FoundDecision,
    as_values,
)
from service.db.schema import (
    batches,
    bundles,
    court_batches,
    decisions,
    documents,
    filing_approvals,
    ruling_exceptions,
    rulings,
)
from service.db.sql import IN_CHUNK, Queries, chunks
from service.errors import ConflictError


class BatchQueries(Queries):
    """Batches and their decisions."""

    def find_batch(self, *, idempotency_key: str | None, content_sha256: str) -> str | None:
        """Return the batch submitted before with this key, or else with this exact content."""
        with self.engine.connect() as conn:
            if idempotency_key:
                row = conn.execute(
                    select(batches.c.id, batches.c.content_sha256).where(
                        batches.c.idempotency_key == idempotency_key
                    )
                ).first()
                if row and row.content_sha256 != content_sha256:
                    raise ConflictError(
                        f"idempotency key already used for batch {row.id}, with different content"
                    )
                if row:
                    return str(row.id)
            found = conn.scalar(
                select(batches.c.id).where(batches.c.content_sha256 == content_sha256).limit(1)
            )
            return str(found) if found else None

    def decisions_in_unfinished_batches(self, decision_ids: Sequence[str]) -> dict[str, str]:
        """Return {decision_id: batch_id} for ids already in a batch that is not finished."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(decision_ids, IN_CHUNK):
                rows = conn.execute(
                    select(decisions.c.decision_id, decisions.c.batch_id)
                    .join(batches, batches.c.id == decisions.c.batch_id)
                    .where(decisions.c.decision_id.in_(chunk), batches.c.state != BatchState.PUBLISHED)
                )
                found.update({row.decision_id: row.batch_id for row in rows})
        return found

    def insert_batch(
        self,
        batch: BatchRow,
        decision_rows: Sequence[DecisionRow],
        new_documents: Sequence[PlannedDocument],
        courts: Iterable[str],
    ) -> None:
        """Store a batch with its decisions, pending documents and court batches in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(insert(batches), [as_values(batch)])
            for chunk in chunks(decision_rows, 2000):
                conn.execute(insert(decisions), [as_values(row) for row in chunk])
            for pending in chunks(new_documents, 5000):
                conn.execute(
                    insert(documents),
                    [
                        {
                            **as_values(doc),
                            "batch_id": batch.id,
                            "state": DocumentState.PENDING,
                            "attempts": 0,
                        }
                        for doc in pending
                    ],
                )
            conn.execute(
                insert(court_batches),
                [
                    {"batch_id": batch.id, "court_code": code, "state": CourtState.RENDERING}
                    for code in courts
                ],
            )

    def batch(self, batch_id: str) -> BatchRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
            return BatchRow.from_row(row) if row else None

    def list_batches(self) -> list[BatchRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(batches).order_by(batches.c.created_at.desc()))
            return [BatchRow.from_row(row) for row in rows]

    def delete_batch(self, batch_id: str) -> dict[str, int]:
        """Delete a batch and every row that belongs to it in one transaction; return rows per table."""
        deleted = {}
        with self.engine.begin() as conn:
            ruling_ids = select(rulings.c.id).where(rulings.c.batch_id == batch_id).scalar_subquery()
            deleted[ruling_exceptions.name] = conn.execute(
                delete(ruling_exceptions).where(ruling_exceptions.c.ruling_id.in_(ruling_ids))
            ).rowcount
            for table in (rulings, filing_approvals, bundles, court_batches, documents, decisions, batches):
                column = table.c.id if table is batches else table.c.batch_id
                deleted[table.name] = conn.execute(delete(table).where(column == batch_id)).rowcount
        return deleted

    def decision_payloads(self, batch_id: str, decision_ids: Sequence[str]) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(decisions.c.decision_id, decisions.c.payload).where(
                    decisions.c.batch_id == batch_id, decisions.c.decision_id.in_(decision_ids)
                )
            )
            return {row.decision_id: row.payload for row in rows}

    def find_decisions(self, query: str, limit: int = 20) -> list[FoundDecision]:
        """Return decisions whose id or case number is `query`, newest batch first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(decisions, batches.c.created_at)
                .join(batches, batches.c.id == decisions.c.batch_id)
                .where(or_(decisions.c.decision_id == query, decisions.c.case_number == query))
                .order_by(batches.c.created_at.desc())
                .limit(limit)
            )
            return [FoundDecision.from_row(row) for row in rows]

    def person_payloads(self, batch_id: str, person_key: str) -> list[str]:
        """Return the payloads of every decision of one person in a batch, in file order."""
        with self.engine.connect() as conn:
            return list(
                conn.scalars(
                    select(decisions.c.payload)
                    .where(decisions.c.batch_id == batch_id, decisions.c.person_key == person_key)
                    .order_by(decisions.c.position)
                )
            )

    def court_payloads(self, batch_id: str, court_code: str) -> Generator[tuple[str, str]]:
        """Yield (decision_id, payload) of a court batch in case-number order, streaming."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                select(decisions.c.decision_id, decisions.c.payload)
                .where(decisions.c.batch_id == batch_id, decisions.c.court_code == court_code)
                .order_by(decisions.c.case_number, decisions.c.decision_id)
            )
            with result:  # closes PostgreSQL's server-side cursor when a reader stops early
                for row in result:
                    yield row.decision_id, row.payload

    def decision_rows(self, batch_id: str) -> Iterator[DecisionRow]:
        """Yield every decision row of a batch (with its payload) in file order, streaming."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                select(decisions).where(decisions.c.batch_id == batch_id).order_by(decisions.c.position)
            )
            for row in result:
                yield DecisionRow.from_row(row)
