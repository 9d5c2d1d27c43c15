"""Approvals of court filings: which attorney signs each court's filing, and when it was approved."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from service.db.rows import ApprovalRow, as_values
from service.db.schema import filing_approvals
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
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(filing_approvals), [as_values(approval)])
        except IntegrityError as error:
            raise ConflictError(
                f"the filing of {approval.batch_id}/{approval.court_code} is already approved"
            ) from error
