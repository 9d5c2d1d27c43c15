"""Court batches and their publication: one owner under a lease, bundle versions recorded once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update

from service.core.states import BatchState, CourtState, DocumentState
from service.db.rows import (
    BundleRow,
    CourtBatchRow,
    NewBundle,
    as_values,
)
from service.db.schema import batches, bundles, court_batches, documents
from service.db.sql import Queries, lapsed, now
from service.errors import PublicationTakenOverError


class PublicationQueries(Queries):
    """Court batches, their publication lease and their bundle versions."""

    def courts_of(self, batch_id: str) -> list[CourtBatchRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(court_batches)
                .where(court_batches.c.batch_id == batch_id)
                .order_by(court_batches.c.court_code)
            )
            return [CourtBatchRow.from_row(row) for row in rows]

    def court_finished(self, batch_id: str, court_code: str) -> bool:
        """Return whether no document of the court batch is pending any more."""
        with self.engine.connect() as conn:
            pending = conn.scalar(
                select(func.count()).where(
                    documents.c.batch_id == batch_id,
                    documents.c.court_code == court_code,
                    documents.c.state == DocumentState.PENDING,
                )
            )
            return not pending

    def claim(self, batch_id: str, court_code: str, lease: timedelta) -> bool:
        """Move a finished court batch to publishing, or take over a publication whose lease ran out."""
        current = now()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(court_batches)
                .where(
                    court_batches.c.batch_id == batch_id,
                    court_batches.c.court_code == court_code,
                    _unclaimed_court(current),
                )
                .values(state=CourtState.PUBLISHING, owner=None, lease_until=current + lease)
            )
            return bool(result.rowcount)

    def take(self, batch_id: str, court_code: str, lease: timedelta, token: str) -> bool:
        """Make `token` the one publisher of a court batch, unless another holds a live lease."""
        current = now()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(court_batches)
                .where(
                    self._court(batch_id, court_code),
                    court_batches.c.state == CourtState.PUBLISHING,
                    or_(
                        court_batches.c.owner.is_(None),
                        court_batches.c.owner == token,
                        lapsed(court_batches.c.lease_until, current),
                    ),
                )
                .values(owner=token, lease_until=current + lease)
            )
            return bool(result.rowcount)

    def release(self, batch_id: str, court_code: str, token: str, reason: str) -> None:
        """Let another worker take the publication over at once, noting why this attempt failed."""
        with self.engine.begin() as conn:
            conn.execute(
                update(court_batches)
                .where(self._court(batch_id, court_code), court_batches.c.owner == token)
                .values(owner=None, lease_until=None, last_error=reason[:2000])
            )

    @staticmethod
    def _court(batch_id: str, court_code: str) -> Any:
        return and_(court_batches.c.batch_id == batch_id, court_batches.c.court_code == court_code)

    def set_job(self, batch_id: str, court_code: str, job_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(court_batches)
                .where(court_batches.c.batch_id == batch_id, court_batches.c.court_code == court_code)
                .values(job_id=job_id)
            )

    def stale(self, older_than: datetime) -> list[tuple[str, str, CourtState, str | None]]:
        """Return (batch, court, state, job) of court batches still rendering or with a lapsed publication."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    court_batches.c.batch_id,
                    court_batches.c.court_code,
                    court_batches.c.state,
                    court_batches.c.job_id,
                ).where(_unclaimed_court(older_than))
            )
            return [(row.batch_id, row.court_code, CourtState(row.state), row.job_id) for row in rows]

    def latest_bundle(self, batch_id: str, court_code: str) -> BundleRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(bundles)
                .where(bundles.c.batch_id == batch_id, bundles.c.court_code == court_code)
                .order_by(bundles.c.version.desc())
                .limit(1)
            ).first()
            return BundleRow.from_row(row) if row else None

    def record(self, batch_id: str, court_code: str, bundle: NewBundle | None, token: str) -> bool:
        """Record a new bundle version (if any) and the court batch as published; return batch done.

        Only the publication's owner may do this; anyone else gets PublicationTakenOverError, nothing changes.
        """
        with self.engine.begin() as conn:
            owned = conn.execute(
                update(court_batches)
                .where(self._court(batch_id, court_code), court_batches.c.owner == token)
                .values(state=CourtState.PUBLISHED, owner=None, lease_until=None, last_error=None)
            )
            if not owned.rowcount:
                raise PublicationTakenOverError(
                    f"publication of {batch_id}/{court_code} was taken over; not recorded"
                )
            if bundle is not None:
                conn.execute(
                    insert(bundles), [{"batch_id": batch_id, "court_code": court_code, **as_values(bundle)}]
                )
            unpublished = conn.scalar(
                select(func.count()).where(
                    court_batches.c.batch_id == batch_id, court_batches.c.state != BatchState.PUBLISHED
                )
            )
            if not unpublished:
                conn.execute(
                    update(batches)
                    .where(batches.c.id == batch_id)
                    .values(state=BatchState.PUBLISHED, finished_at=now())
                )
            return not unpublished

    def bundles_of(self, batch_id: str) -> list[BundleRow]:
        """Return every recorded bundle version of a batch, by court and version."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bundles)
                .where(bundles.c.batch_id == batch_id)
                .order_by(bundles.c.court_code, bundles.c.version)
            )
            return [BundleRow.from_row(row) for row in rows]


def _unclaimed_court(at: datetime) -> Any:
    """A court batch still rendering, or publishing under a lease that ran out."""
    return or_(
        court_batches.c.state == CourtState.RENDERING,
        and_(court_batches.c.state == CourtState.PUBLISHING, lapsed(court_batches.c.lease_until, at)),
    )
