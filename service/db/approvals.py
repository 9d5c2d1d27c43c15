"""Approvals of court filings: which attorney signs each court's filing, and when it was approved."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from service.core.kinds import DocumentKind
from service.core.states import DocumentState
from service.db.leases import refuse_while_publishing, render_courts_again
from service.db.rows import ApprovalRow, as_values
from service.db.schema import documents, filing_approvals
from service.db.sql import Queries
from service.errors import ConflictError


class ApprovalQueries(Queries):
    """Approvals of court filings: one per court batch, never replaced."""

    def of_court(self, batch_id: str, court_code: str) -> ApprovalRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(filing_approvals).where(
                    filing_approvals.c.batch_id == batch_id, filing_approvals.c.court_code == court_code
                )
            ).first()
        return ApprovalRow.from_row(row) if row else None

    def of_batch(self, batch_id: str) -> dict[str, ApprovalRow]:
        """Return the approvals of a batch's court filings, by court code."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(filing_approvals).where(filing_approvals.c.batch_id == batch_id))
            return {row.court_code: ApprovalRow.from_row(row) for row in rows}

    def record(self, approval: ApprovalRow) -> None:
        """Record an approval; a court filing that is already approved refuses a second one."""
        with self.engine.begin() as conn:
            _insert(conn, [approval])

    def approve(self, approvals: Sequence[ApprovalRow], *, render_again: Sequence[DocumentKind] = ()) -> None:
        """Record approvals of one batch's court filings and send those courts back to be published.

        All in one transaction, or nothing: BusyError while one of the courts is being published,
        ConflictError if one is approved already. Each court batch goes back to rendering (and its
        batch with it); its documents of the kinds in render_again are made pending again, free of
        any job or lease, so that workers render them anew, signed.
        """
        if not approvals:
            return
        batch_id = approvals[0].batch_id
        courts = [approval.court_code for approval in approvals]
        if any(approval.batch_id != batch_id for approval in approvals):
            raise ValueError("approvals of one batch at a time")
        with self.engine.begin() as conn:
            refuse_while_publishing(conn, batch_id, courts, "approve once that has finished")
            _insert(conn, approvals)
            if render_again:
                conn.execute(
                    update(documents)
                    .where(
                        documents.c.batch_id == batch_id,
                        documents.c.court_code.in_(courts),
                        documents.c.kind.in_([kind.value for kind in render_again]),
                    )
                    .values(
                        state=DocumentState.PENDING, attempts=0, job_id=None, claim=None, lease_until=None
                    )
                )
            render_courts_again(conn, batch_id, courts)


def _insert(conn: Connection, approvals: Sequence[ApprovalRow]) -> None:
    """Insert approvals, or raise ConflictError if one is approved already (nothing is inserted)."""
    try:
        conn.execute(insert(filing_approvals), [as_values(approval) for approval in approvals])
    except IntegrityError as error:
        approved = ", ".join(f"{a.batch_id}/{a.court_code}" for a in approvals)
        raise ConflictError(f"the filing of {approved} is already approved") from error
