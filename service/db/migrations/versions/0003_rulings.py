"""The court's ruling on each court filing: the judge's signed order and each count's exceptions.

- rulings: one row per ruling of a court filing, versioned; an amended ruling is the next version
  and names the one it supersedes. The signed order (a scan) is stored in the batch's folder with
  its SHA-256, and so is the clerk import the ruling gives; content_digest makes recording the
  same ruling twice one ruling.
- ruling_exceptions: the counts the order did not grant as filed (denied, modified, not found).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rulings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(40), sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("court_code", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("judge", sa.String(200)),
        sa.Column("order_path", sa.String(400), nullable=False),
        sa.Column("order_sha256", sa.String(64), nullable=False),
        sa.Column("order_bytes", sa.Integer(), nullable=False),
        sa.Column("filed_counts", sa.Integer(), nullable=False),
        sa.Column("clerk_import_path", sa.String(400), nullable=False),
        sa.Column("clerk_import_sha256", sa.String(64), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("rulings.id")),
        sa.UniqueConstraint("batch_id", "court_code", "version", name="uq_rulings_version"),
    )
    op.create_table(
        "ruling_exceptions",
        sa.Column(
            "ruling_id", sa.Integer(), sa.ForeignKey("rulings.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("case_number", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer(), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("ruling_exceptions")
    op.drop_table("rulings")
