"""Every table of the database, in one module, and the engine for a URL.

These are the models of the newest revision; a change here needs a migration in
service/db/migrations/versions (docs/database.md says how).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
)

metadata = MetaData()

batches = Table(
    "batches",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("idempotency_key", String(200), unique=True),
    Column("content_sha256", String(64), nullable=False, unique=True),
    Column("person_salt", String(32), nullable=False),  # keys people without revealing who they are
    Column("source", String(200), nullable=False),
    Column("state", String(16), nullable=False),  # rendering | published
    Column("decision_count", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("filing", String(16), nullable=False, server_default="omnibus"),  # FilingMode
)

decisions = Table(
    "decisions",
    metadata,
    Column("batch_id", String(40), ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("decision_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("court_code", String(32), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("person_key", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_decisions_person", "batch_id", "person_key"),
    Index("ix_decisions_decision_id", "decision_id"),
    # A court's decisions in case-number order, as publishing streams them (revision 0002).
    Index("ix_decisions_court_case", "batch_id", "court_code", "case_number", "decision_id"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(40), ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("court_code", String(32), nullable=False),
    Column("subject", String(64), nullable=False),  # decision_id, or person_key for a letter
    Column("kind", String(16), nullable=False),
    Column("format", String(8), nullable=False),
    Column("state", String(16), nullable=False),  # pending | rendered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("language", String(35)),
    Column("notes", Text),
    Column("sha256", String(64)),
    Column("bytes", Integer),
    Column("pages", Integer),
    Column("path", String(400)),
    Column("job_id", String(120)),
    Column("claim", String(32)),  # token of the job that holds the lease
    Column("lease_until", DateTime(timezone=True)),
    UniqueConstraint("batch_id", "kind", "format", "subject", name="uq_documents_subject"),
    Index("ix_documents_court_state", "batch_id", "court_code", "state"),
    Index("ix_documents_state_lease", "state", "lease_until"),
)

court_batches = Table(
    "court_batches",
    metadata,
    Column("batch_id", String(40), ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("court_code", String(32), primary_key=True),
    Column("state", String(16), nullable=False),  # rendering | publishing | published
    Column("job_id", String(120)),
    Column("owner", String(32)),  # token of the publish job that holds the lease
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text),  # why the last publication attempt failed (identifiers only)
)

bundles = Table(
    "bundles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(40), ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("court_code", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("path", String(400), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("content_digest", String(64), nullable=False),  # hash of the entries, not of the ZIP
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("final", Boolean, nullable=False, server_default=false()),  # signed, or a draft
    UniqueConstraint("batch_id", "court_code", "version", name="uq_bundles_version"),
)

filing_approvals = Table(
    "filing_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(40), ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("court_code", String(32), nullable=False),
    Column("name", String(200), nullable=False),  # the attorney who signs the court's filing
    Column("title", String(200), nullable=False),
    Column("bar_number", String(16), nullable=False),
    Column("email", String(254)),
    Column("approved_on", Date, nullable=False),  # the date the filing is signed and dated
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(100), nullable=False),  # the account (or CLI user) that approved
    UniqueConstraint("batch_id", "court_code", name="uq_filing_approvals_court"),
)

rulings = Table(
    "rulings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(40), ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("court_code", String(32), nullable=False),
    Column("version", Integer, nullable=False),  # 1, then the next for each amended ruling
    Column("signed_on", Date, nullable=False),  # the day the judge signed the order
    Column("judge", String(200)),
    Column("order_path", String(400), nullable=False),  # the signed order, relative to the output folder
    Column("order_sha256", String(64), nullable=False),
    Column("order_bytes", Integer, nullable=False),
    Column("filed_counts", Integer, nullable=False),  # counts of the filing the ruling decided
    Column("clerk_import_path", String(400), nullable=False),  # every count's outcome, for the clerk
    Column("clerk_import_sha256", String(64), nullable=False),
    Column("content_digest", String(64), nullable=False),  # signed_on, judge, order, exceptions
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("supersedes_id", Integer, ForeignKey("rulings.id")),  # the ruling this one amends
    UniqueConstraint("batch_id", "court_code", "version", name="uq_rulings_version"),
)

ruling_exceptions = Table(
    "ruling_exceptions",
    metadata,
    Column("ruling_id", Integer, ForeignKey("rulings.id", ondelete="CASCADE"), primary_key=True),
    Column("case_number", String(32), primary_key=True),
    Column("count", Integer, primary_key=True),
    Column("outcome", String(16), nullable=False),  # denied | modified | not_found (or granted)
    Column("note", Text, nullable=False, server_default=""),
)

# People and machines that use the service (queried by service/db/accounts.py).

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("courts", Text, nullable=False, default="[]"),  # JSON list of court codes (clerks)
    Column("password_hash", String(200)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False, default=""),
    Column("outcome", String(40), nullable=False),
)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url.removeprefix(prefix)
    # hide_parameters: error messages must never carry a decision's payload (names, dates of birth).
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)
