"""The filing plan of a batch, the attorney's approval of each court's filing, draft or final bundles.

- batches.filing: omnibus (one motion and order per court and basis) or per-case; batches made
  before this revision were omnibus by default.
- filing_approvals: who approved and signs each court's filing, and on which date.
- bundles.final: a bundle is a draft (unsigned, every page marked DRAFT) until its filing is
  approved; bundles made before this revision are recorded as drafts, since no one approved them.
- ix_decisions_court_case: publishing streams a court's decisions in case-number order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("filing", sa.String(16), nullable=False, server_default="omnibus"))
    with op.batch_alter_table("bundles") as batch:
        batch.add_column(sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index(
        "ix_decisions_court_case", "decisions", ["batch_id", "court_code", "case_number", "decision_id"]
    )
    op.create_table(
        "filing_approvals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(40), sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("court_code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("bar_number", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("batch_id", "court_code", name="uq_filing_approvals_court"),
    )


def downgrade() -> None:
    op.drop_table("filing_approvals")
    op.drop_index("ix_decisions_court_case", table_name="decisions")
    with op.batch_alter_table("bundles") as batch:
        batch.drop_column("final")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("filing")
