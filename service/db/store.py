"""The database, the source of truth: batches, decisions, documents, court batches and bundles."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from service.db.schema import (
    batches,
    bundles,
    court_batches,
    decisions,
    documents,
    make_engine,
)
from service.errors import ConflictError, StorageError

IN_CHUNK = 500  # identifiers per IN (...) query


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DocumentRow:
    """A document as the pipeline sees it."""

    id: int
    batch_id: str
    court_code: str
    subject: str
    kind: str
    format: str
    state: str
    attempts: int
    last_error: str | None
    language: str | None
    notes: str | None
    sha256: str | None
    bytes: int | None
    pages: int | None
    path: str | None
    job_id: str | None

    @classmethod
    def from_row(cls, row: Any) -> DocumentRow:
        return cls(**{name: row._mapping[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RenderedFile:
    """What a finished render records about its file."""

    sha256: str
    bytes: int
    pages: int | None
    path: str
    language: str
    notes: str


class Store:
    """Every read and write of the database goes through here."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- batches -----------------------------------------------------------------------

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
            for chunk in _chunks(decision_ids, IN_CHUNK):
                rows = conn.execute(
                    select(decisions.c.decision_id, decisions.c.batch_id)
                    .join(batches, batches.c.id == decisions.c.batch_id)
                    .where(decisions.c.decision_id.in_(chunk), batches.c.state != "published")
                )
                found.update({row.decision_id: row.batch_id for row in rows})
        return found

    def insert_batch(
        self,
        batch: dict[str, Any],
        decision_rows: Sequence[dict[str, Any]],
        document_rows: Sequence[dict[str, Any]],
        courts: Iterable[str],
    ) -> None:
        """Store a batch with its decisions, documents and court batches in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(insert(batches), [batch])
            for chunk in _chunks(decision_rows, 2000):
                conn.execute(insert(decisions), list(chunk))
            for chunk in _chunks(document_rows, 5000):
                conn.execute(insert(documents), list(chunk))
            conn.execute(
                insert(court_batches),
                [{"batch_id": batch["id"], "court_code": code, "state": "rendering"} for code in courts],
            )

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
            return dict(row._mapping) if row else None

    def list_batches(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(batches).order_by(batches.c.created_at.desc()))
            return [dict(row._mapping) for row in rows]

    # -- documents ---------------------------------------------------------------------

    def set_job(self, document_ids: Sequence[int], job_id: str) -> None:
        with self.engine.begin() as conn:
            for chunk in _chunks(document_ids, IN_CHUNK):
                conn.execute(update(documents).where(documents.c.id.in_(chunk)).values(job_id=job_id))

    def claim(
        self, document_ids: Sequence[int], lease: timedelta, token: str, max_attempts: int
    ) -> list[DocumentRow]:
        """Lease the pending, unleased documents among these ids to `token`, counting an attempt.

        A document that has used up its attempts is failed instead, so poison work ends.
        """
        current = now()
        free = and_(
            documents.c.id.in_(document_ids),
            documents.c.state == "pending",
            _lapsed(documents.c.lease_until, current),
        )
        with self.engine.begin() as conn:
            conn.execute(
                update(documents)
                .where(free, documents.c.attempts >= max_attempts)
                .values(
                    state="failed",
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
                    documents.c.state == "pending",
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
            documents.c.id.in_(document_ids), documents.c.claim == token, documents.c.state == "pending"
        )

    def mark_rendered(self, document_id: int, rendered: RenderedFile, token: str) -> bool:
        """Record a finished render if `token` still holds the document; return whether it did."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(documents)
                .where(self._held([document_id], token))
                .values(
                    state="rendered",
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
                .values(state="failed", last_error=reason[:2000], lease_until=None)
            )

    def record_error(self, document_ids: Sequence[int], reason: str, token: str) -> None:
        """Note a transient error and free the documents, which stay pending (reconcile queues them)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(documents)
                .where(self._held(document_ids, token))
                .values(last_error=reason[:2000], lease_until=None)
            )

    def reset_failed(self, batch_id: str) -> list[str]:
        """Make every failed document of a batch pending again; return the courts touched."""
        with self.engine.begin() as conn:
            publishing = conn.scalar(
                select(func.count()).where(
                    court_batches.c.batch_id == batch_id,
                    court_batches.c.state == "publishing",
                    court_batches.c.owner.is_not(None),
                    court_batches.c.lease_until >= now(),
                )
            )
            if publishing:
                raise StorageError(f"batch {batch_id} is being published; retry once that has finished")
            courts = conn.scalars(
                select(documents.c.court_code)
                .where(documents.c.batch_id == batch_id, documents.c.state == "failed")
                .distinct()
            ).all()
            conn.execute(
                update(documents)
                .where(documents.c.batch_id == batch_id, documents.c.state == "failed")
                .values(state="pending", attempts=0, job_id=None)
            )
            if courts:
                conn.execute(
                    update(court_batches)
                    .where(court_batches.c.batch_id == batch_id, court_batches.c.court_code.in_(courts))
                    .values(state="rendering", job_id=None, owner=None, lease_until=None)
                )
                conn.execute(update(batches).where(batches.c.id == batch_id).values(state="rendering"))
        return list(courts)

    def documents_of(self, batch_id: str, court_code: str) -> list[DocumentRow]:
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
                    .where(*_court_documents(batch_id, court_code), documents.c.state == "failed")
                )
            )

    def finished_documents(self, batch_id: str, court_code: str) -> Iterator[tuple[DocumentRow, str]]:
        """Yield the rendered and failed documents of a court batch with their case numbers, streaming.

        A letter's case numbers are those of the person's decisions in this court, space-separated.
        """
        finished = (*_court_documents(batch_id, court_code), documents.c.state != "pending")
        of_case = decisions.c.decision_id == documents.c.subject
        of_person = and_(
            decisions.c.person_key == documents.c.subject, decisions.c.court_code == documents.c.court_code
        )
        with self.engine.connect() as conn:
            streaming = conn.execution_options(stream_results=True, yield_per=1000)
            letter = documents.c.kind == "letter"
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
                        raise StorageError(f"document {first.id} has no decision in its court batch")
                    numbers = " ".join([first.case_number] + [row.case_number for row in more])
                    yield DocumentRow.from_row(first), numbers

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
            for chunk in _chunks(named, IN_CHUNK):
                query = select(documents).where(*unheld, documents.c.job_id.in_(chunk))
                found += [DocumentRow.from_row(row) for row in conn.execute(query)]
        return sorted(found, key=lambda doc: doc.id)

    def failed_documents(self, batch_id: str, limit: int = 1000) -> list[DocumentRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents)
                .where(documents.c.batch_id == batch_id, documents.c.state == "failed")
                .order_by(documents.c.id)
                .limit(limit)
            )
            return [DocumentRow.from_row(row) for row in rows]

    def state_counts(self, batch_id: str) -> dict[str, dict[str, int]]:
        """Return {court_code: {state: documents}} for a batch."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(documents.c.court_code, documents.c.state, func.count())
                .where(documents.c.batch_id == batch_id)
                .group_by(documents.c.court_code, documents.c.state)
            )
            counts: dict[str, dict[str, int]] = {}
            for court_code, state, number in rows:
                counts.setdefault(court_code, {})[state] = number
            return counts

    # -- decisions ---------------------------------------------------------------------

    def decision_payloads(self, batch_id: str, decision_ids: Sequence[str]) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(decisions.c.decision_id, decisions.c.payload).where(
                    decisions.c.batch_id == batch_id, decisions.c.decision_id.in_(decision_ids)
                )
            )
            return {row.decision_id: row.payload for row in rows}

    def find_decisions(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Return decisions whose id or case number is `query`, newest batch first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(decisions, batches.c.created_at)
                .join(batches, batches.c.id == decisions.c.batch_id)
                .where(or_(decisions.c.decision_id == query, decisions.c.case_number == query))
                .order_by(batches.c.created_at.desc())
                .limit(limit)
            )
            return [dict(row._mapping) for row in rows]

    def document(self, batch_id: str, kind: str, output_format: str, subject: str) -> DocumentRow | None:
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

    def court_payloads(self, batch_id: str, court_code: str) -> Iterator[tuple[str, str]]:
        """Yield (decision_id, payload) of a court batch in case-number order, streaming."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                select(decisions.c.decision_id, decisions.c.payload)
                .where(decisions.c.batch_id == batch_id, decisions.c.court_code == court_code)
                .order_by(decisions.c.case_number, decisions.c.decision_id)
            )
            for row in result:
                yield row.decision_id, row.payload

    # -- court batches and bundles -------------------------------------------------------

    def courts_of(self, batch_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(court_batches)
                .where(court_batches.c.batch_id == batch_id)
                .order_by(court_batches.c.court_code)
            )
            return [dict(row._mapping) for row in rows]

    def court_finished(self, batch_id: str, court_code: str) -> bool:
        """Return whether no document of the court batch is pending any more."""
        with self.engine.connect() as conn:
            pending = conn.scalar(
                select(func.count()).where(
                    documents.c.batch_id == batch_id,
                    documents.c.court_code == court_code,
                    documents.c.state == "pending",
                )
            )
            return not pending

    def claim_publication(self, batch_id: str, court_code: str, lease: timedelta) -> bool:
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
                .values(state="publishing", owner=None, lease_until=current + lease)
            )
            return bool(result.rowcount)

    def take_publication(self, batch_id: str, court_code: str, lease: timedelta, token: str) -> bool:
        """Make `token` the one publisher of a court batch, unless another holds a live lease."""
        current = now()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(court_batches)
                .where(
                    self._court(batch_id, court_code),
                    court_batches.c.state == "publishing",
                    or_(
                        court_batches.c.owner.is_(None),
                        court_batches.c.owner == token,
                        _lapsed(court_batches.c.lease_until, current),
                    ),
                )
                .values(owner=token, lease_until=current + lease)
            )
            return bool(result.rowcount)

    def release_publication(self, batch_id: str, court_code: str, token: str, reason: str) -> None:
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

    def set_court_job(self, batch_id: str, court_code: str, job_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(court_batches)
                .where(court_batches.c.batch_id == batch_id, court_batches.c.court_code == court_code)
                .values(job_id=job_id)
            )

    def stale_publications(self, older_than: datetime) -> list[tuple[str, str, str, str | None]]:
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
            return [(row.batch_id, row.court_code, row.state, row.job_id) for row in rows]

    def courts_of_documents(self, document_ids: Sequence[int]) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.scalars(
                    select(documents.c.court_code).where(documents.c.id.in_(document_ids)).distinct()
                )
            )

    def latest_bundle(self, batch_id: str, court_code: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(bundles)
                .where(bundles.c.batch_id == batch_id, bundles.c.court_code == court_code)
                .order_by(bundles.c.version.desc())
                .limit(1)
            ).first()
            return dict(row._mapping) if row else None

    def record_publication(
        self, batch_id: str, court_code: str, bundle: dict[str, Any] | None, token: str
    ) -> bool:
        """Record a new bundle version (if any) and the court batch as published; return batch done.

        Only the publication's owner may do this; anyone else gets a StorageError and nothing changes.
        """
        with self.engine.begin() as conn:
            owned = conn.execute(
                update(court_batches)
                .where(self._court(batch_id, court_code), court_batches.c.owner == token)
                .values(state="published", owner=None, lease_until=None, last_error=None)
            )
            if not owned.rowcount:
                raise StorageError(f"publication of {batch_id}/{court_code} was taken over; not recorded")
            if bundle is not None:
                conn.execute(insert(bundles), [{"batch_id": batch_id, "court_code": court_code, **bundle}])
            unpublished = conn.scalar(
                select(func.count()).where(
                    court_batches.c.batch_id == batch_id, court_batches.c.state != "published"
                )
            )
            if not unpublished:
                conn.execute(
                    update(batches)
                    .where(batches.c.id == batch_id)
                    .values(state="published", finished_at=now())
                )
            return not unpublished

    # -- checking and deleting a whole batch ----------------------------------------------

    def bundles_of(self, batch_id: str) -> list[dict[str, Any]]:
        """Return every recorded bundle version of a batch, by court and version."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bundles)
                .where(bundles.c.batch_id == batch_id)
                .order_by(bundles.c.court_code, bundles.c.version)
            )
            return [dict(row._mapping) for row in rows]

    def decision_rows(self, batch_id: str) -> Iterator[dict[str, Any]]:
        """Yield every decision row of a batch (with its payload) in file order, streaming."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                select(decisions).where(decisions.c.batch_id == batch_id).order_by(decisions.c.position)
            )
            for row in result:
                yield dict(row._mapping)

    def delete_batch(self, batch_id: str) -> dict[str, int]:
        """Delete a batch and every row that belongs to it in one transaction; return rows per table."""
        deleted = {}
        with self.engine.begin() as conn:
            for table in (bundles, court_batches, documents, decisions, batches):
                column = table.c.id if table is batches else table.c.batch_id
                deleted[table.name] = conn.execute(delete(table).where(column == batch_id)).rowcount
        return deleted


def _court_documents(batch_id: str, court_code: str) -> tuple[Any, Any]:
    return documents.c.batch_id == batch_id, documents.c.court_code == court_code


def _unheld(older_than: datetime) -> tuple[Any, Any]:
    """Return the conditions of a pending document that no live render holds."""
    return documents.c.state == "pending", _lapsed(documents.c.lease_until, older_than)


def _lapsed(lease_until: Any, at: datetime) -> Any:
    """A lease that nobody holds at `at`: never taken, or run out."""
    return or_(lease_until.is_(None), lease_until < at)


def _unclaimed_court(at: datetime) -> Any:
    """A court batch still rendering, or publishing under a lease that ran out."""
    return or_(
        court_batches.c.state == "rendering",
        and_(court_batches.c.state == "publishing", _lapsed(court_batches.c.lease_until, at)),
    )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
