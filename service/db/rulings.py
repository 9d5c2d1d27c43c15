"""Rulings of court filings: the judge's signed order, versioned, and the counts it did not grant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from service.core.ruling import CountOutcome, Outcome, Ruling
from service.db.rows import NewRuling, RulingRow, exception_of
from service.db.schema import ruling_exceptions, rulings
from service.db.sql import Queries
from service.errors import ConflictError


class RulingQueries(Queries):
    """Rulings: each version recorded once, never changed; an amendment is the next version."""

    def of_court(self, batch_id: str, court_code: str) -> list[RulingRow]:
        """Return every ruling of a court filing, oldest version first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(rulings)
                .where(rulings.c.batch_id == batch_id, rulings.c.court_code == court_code)
                .order_by(rulings.c.version)
            )
            return [RulingRow.from_row(row) for row in rows]

    def of_batch(self, batch_id: str) -> dict[str, list[RulingRow]]:
        """Return every ruling of a batch by court code, oldest version first."""
        found: dict[str, list[RulingRow]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(rulings)
                .where(rulings.c.batch_id == batch_id)
                .order_by(rulings.c.court_code, rulings.c.version)
            )
            for row in rows:
                found.setdefault(row.court_code, []).append(RulingRow.from_row(row))
        return found

    def latest(self, batch_id: str, court_code: str) -> RulingRow | None:
        """Return the ruling in force for a court filing (its newest version), or None."""
        versions = self.of_court(batch_id, court_code)
        return versions[-1] if versions else None

    def exceptions(self, ruling_id: int) -> tuple[CountOutcome, ...]:
        """Return a ruling's exceptions by case number and count."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ruling_exceptions)
                .where(ruling_exceptions.c.ruling_id == ruling_id)
                .order_by(ruling_exceptions.c.case_number, ruling_exceptions.c.count)
            )
            return tuple(exception_of(row) for row in rows)

    def outcome_counts(self, row: RulingRow) -> dict[Outcome, int]:
        """Return how many of the filing's counts had each outcome: every count not excepted is granted."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ruling_exceptions.c.outcome, func.count())
                .where(ruling_exceptions.c.ruling_id == row.id)
                .group_by(ruling_exceptions.c.outcome)
            )
            excepted = {Outcome(outcome): int(number) for outcome, number in rows}
        counts = {outcome: excepted.get(outcome, 0) for outcome in Outcome}
        counts[Outcome.GRANTED] = row.filed_counts - sum(
            number for outcome, number in counts.items() if outcome is not Outcome.GRANTED
        )
        return counts

    def ruling(self, row: RulingRow) -> Ruling:
        """Return a recorded ruling with its exceptions, as the core reads it."""
        return row.ruling(self.exceptions(row.id))

    def record(
        self,
        ruling: NewRuling,
        exceptions: Sequence[CountOutcome],
        before_commit: Callable[[], None] | None = None,
    ) -> RulingRow:
        """Record a ruling and its exceptions in one transaction; ConflictError if its version exists.

        `before_commit` runs once the rows are written and the version is held (a concurrent
        recording of the same version waits, then fails): it puts the ruling's files in place, so
        that a recording that loses never replaces the winner's files. If it raises, nothing is
        recorded.
        """
        values = {field.name: getattr(ruling, field.name) for field in fields(NewRuling)}  # never an id
        try:
            with self.engine.begin() as conn:
                inserted = conn.execute(insert(rulings).values(**values))
                ruling_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
                if exceptions:
                    conn.execute(
                        insert(ruling_exceptions),
                        [
                            {
                                "ruling_id": ruling_id,
                                "case_number": e.case_number,
                                "count": e.count,
                                "outcome": e.outcome.value,
                                "note": e.note,
                            }
                            for e in exceptions
                        ],
                    )
                if before_commit is not None:
                    before_commit()
        except IntegrityError as error:
            raise ConflictError(
                f"ruling version {ruling.version} of the {ruling.court_code} filing of batch"
                f" {ruling.batch_id} was recorded meanwhile; nothing was recorded"
            ) from error
        return RulingRow(**values, id=ruling_id)
