"""Render leases: a job claims documents under a token, renews, records outcomes; only the holder writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from service.core.kinds import DocumentKind
from service.core.states import BatchState, CourtState, DocumentState
from service.db.rows import (
    DocumentRow,
    RenderedFile,
)
from service.db.schema import batches, court_batches, documents
from service.db.sql import IN_CHUNK, Queries, chunks, lapsed, now
from service.errors import BusyError


class LeaseQueries(Queries):
    """Render leases on documents and the outcomes their holders record."""

    def claim(
        self, document_ids: Sequence[int], lease: timedelta, token: str, max_attempts: int
    ) -> list[DocumentRow]:
        """Lease the pending, unleased documents among these ids to `token`, counting an attempt.

        A document that has used up its attempts is failed instead, so poison work ends.
        """
        current = now()
        free = and_(
            documents.c.id.in_(document_ids),
            documents.c.state == DocumentState.PENDING,
            lapsed(documents.c.lease_until, current),
        )
        with self.engine.begin() as conn:
            conn.execute(
                update(documents)
                .where(free, documents.c.attempts >= max_attempts)
                .values(
                    state=DocumentState.FAILED,
                    lease_until=None,
                    last_error=f"gave up after {max_attempts} attempts; last error: "
                    + func.coalesce(documents.c.last_error, "none recorded (the worker died)"),
                )
            )
            conn.execute(
                update(documents)
                .where(free)
                .values(attempts=documents.c.attempts + 1, lease_until=current + lease, claim=token)
            )
            rows = conn.execute(
                select(documents).where(
                    documents.c.id.in_(document_ids),
                    documents.c.claim == token,
                    documents.c.state == DocumentState.PENDING,
                )
            ).all()
        return [DocumentRow.from_row(row) for row in rows]

    def renew_lease(self, document_ids: Sequence[int], lease: timedelta, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(documents).where(self._held(document_ids, token)).values(lease_until=now() + lease)
            )

    @staticmethod
    def _held(document_ids: Sequence[int], token: str) -> Any:
        return and_(
            documents.c.id.in_(document_ids),
            documents.c.claim == token,
            documents.c.state == DocumentState.PENDING,
        )

    def mark_rendered(self, document_id: int, rendered: RenderedFile, token: str) -> bool:
        """Record a finished render if `token` still holds the document; return whether it did."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(documents)
                .where(self._held([document_id], token))
                .values(
                    state=DocumentState.RENDERED,
                    sha256=rendered.sha256,
                    bytes=rendered.bytes,
                    pages=rendered.pages,
                    path=rendered.path,
                    language=rendered.language,
                    notes=rendered.notes,
                    last_error=None,
                    lease_until=None,
                )
            )
            return bool(result.rowcount)

    def mark_failed(self, document_ids: Sequence[int], reason: str, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(documents)
                .where(self._held(document_ids, token))
                .values(state=DocumentState.FAILED, last_error=reason[:2000], lease_until=None)
            )

    def record_error(self, document_ids: Sequence[int], reason: str, token: str) -> None:
        """Note a transient error and free the documents, which stay pending (reconcile queues them)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(documents)
                .where(self._held(document_ids, token))
                .values(last_error=reason[:2000], lease_until=None)
            )

    def unheld_job_ids(self, older_than: datetime) -> list[str | None]:
        """Return the jobs of pending documents no live render holds (None: documents never queued)."""
        with self.engine.connect() as conn:
            return list(conn.scalars(select(documents.c.job_id).distinct().where(*_unheld(older_than))))

    def pending_unleased(
        self, older_than: datetime, job_ids: Sequence[str | None] | None = None
    ) -> list[DocumentRow]:
        """Return the pending documents no live render holds: all of them, or those of these jobs."""
        unheld = _unheld(older_than)
        if job_ids is None:
            with self.engine.connect() as conn:
                rows = conn.execute(select(documents).where(*unheld).order_by(documents.c.id))
                return [DocumentRow.from_row(row) for row in rows]
        named = [job_id for job_id in job_ids if job_id is not None]
        found: list[DocumentRow] = []
        with self.engine.connect() as conn:
            if None in job_ids:
                query = select(documents).where(*unheld, documents.c.job_id.is_(None))
                found += [DocumentRow.from_row(row) for row in conn.execute(query)]
            for chunk in chunks(named, IN_CHUNK):
                query = select(documents).where(*unheld, documents.c.job_id.in_(chunk))
                found += [DocumentRow.from_row(row) for row in conn.execute(query)]
        return sorted(found, key=lambda doc: doc.id)

    def reset_failed(self, batch_id: str) -> list[str]:
        """Make every failed document of a batch pending again; return the courts touched.

        The cases an omnibus filing left out are forgotten instead: publishing tries them again.
        """
        with self.engine.begin() as conn:
            refuse_while_publishing(conn, batch_id, None, "retry once that has finished")
            courts = conn.scalars(
                select(documents.c.court_code)
                .where(documents.c.batch_id == batch_id, documents.c.state == DocumentState.FAILED)
                .distinct()
            ).all()
            failed = (documents.c.batch_id == batch_id, documents.c.state == DocumentState.FAILED)
            # A case an omnibus filing left out is tried again by publishing the court again.
            conn.execute(delete(documents).where(*failed, documents.c.kind == DocumentKind.EXHIBIT))
            again = {"state": DocumentState.PENDING, "attempts": 0, "job_id": None}
            conn.execute(update(documents).where(*failed).values(**again))
            render_courts_again(conn, batch_id, courts)
        return list(courts)


def refuse_while_publishing(conn: Connection, batch_id: str, courts: Sequence[str] | None, then: str) -> None:
    """Raise BusyError if a publisher holds a live lease on one of these courts (None: any court)."""
    held = [
        court_batches.c.batch_id == batch_id,
        court_batches.c.state == CourtState.PUBLISHING,
        court_batches.c.owner.is_not(None),
        court_batches.c.lease_until >= now(),
    ]
    if courts is not None:
        held.append(court_batches.c.court_code.in_(courts))
    publishing = conn.scalars(select(court_batches.c.court_code).where(*held)).all()
    if publishing:
        which = f"the {', '.join(sorted(publishing))} filing of batch" if courts is not None else "batch"
        raise BusyError(f"{which} {batch_id} is being published; {then}")


def render_courts_again(conn: Connection, batch_id: str, courts: Sequence[str]) -> None:
    """Send court batches (and so their batch) back to rendering: each publishes anew when done."""
    if not courts:
        return
    conn.execute(
        update(court_batches)
        .where(court_batches.c.batch_id == batch_id, court_batches.c.court_code.in_(courts))
        .values(state=CourtState.RENDERING, job_id=None, owner=None, lease_until=None)
    )
    conn.execute(update(batches).where(batches.c.id == batch_id).values(state=BatchState.RENDERING))


def _unheld(older_than: datetime) -> tuple[Any, Any]:
    """Return the conditions of a pending document that no live render holds."""
    return documents.c.state == DocumentState.PENDING, lapsed(documents.c.lease_until, older_than)
