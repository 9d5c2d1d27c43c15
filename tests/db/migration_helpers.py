"""Helpers of tests/db/test_migrations.py: a batch written at main's schema, a test revision, a child."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, inspect, text

from service.core.filing import FilingMode
from service.core.models import Decision
from service.core.plan import person_key, plan_documents
from service.core.sample import generate_decisions
from service.db import migrate
from service.db.schema import make_engine
from tests.db import legacy_schema as old

PACKAGE_HEAD = migrate.head_revision()  # the newest revision that ships in the package
NEWER_REVISION = f"{int(PACKAGE_HEAD) + 1:04d}"  # the test revision's id, one after it

# A revision after the package's head: rebuilds the batches table (on SQLite) to add a column.
TEST_REVISION = f'''"""A test revision: batches gains a column, by a rebuild of the table on SQLite."""

import sqlalchemy as sa
from alembic import op

revision = "{NEWER_REVISION}"
down_revision = "{PACKAGE_HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches", recreate="always") as batch:
        batch.add_column(sa.Column("note", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("batches", recreate="always") as batch:
        batch.drop_column("note")
'''


@dataclass(frozen=True)
class LegacyBatch:
    """What fill_legacy wrote, as the Store should read it back."""

    batch_id: str
    batch: dict[str, Any]
    decisions: list[Decision]
    courts: list[str]
    documents: list[tuple[str, str, str, str, str | None]]  # subject, kind, format, state, sha256
    bundle: dict[str, Any]
    user: str
    password: str
    token: str


def naive(value: Any) -> Any:
    """A datetime in UTC without its zone (SQLite gives them back naive), anything else as it is."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def fill_legacy(engine: Engine, *, with_accounts: bool = True) -> LegacyBatch:
    """Write a batch as main's submit, workers and publication did, with main's own tables.

    Four sample decisions in two courts, every planned document (one rendered), both court
    batches (one published, with its bundle) and, with_accounts, a clerk with a password and an
    API token, a session and an audit entry.
    """
    decisions = [Decision.model_validate(record) for record in generate_decisions(4, seed=7, courts=2)]
    batch_id, salt, created = (
        "b20260101-0123456789",
        secrets.token_hex(16),
        datetime(2026, 1, 1, 9, 30, tzinfo=UTC),
    )
    courts = sorted({decision.court.code for decision in decisions})
    batch = {
        "id": batch_id,
        "idempotency_key": "upload-1",
        "content_sha256": "c" * 64,
        "person_salt": salt,
        "source": "batch.jsonl",
        "state": "rendering",
        "decision_count": len(decisions),
        "created_at": created,
        "finished_at": None,
    }
    document_rows = [
        {
            "batch_id": batch_id,
            "court_code": doc.court_code,
            "subject": doc.subject,
            "kind": doc.kind.value,
            "format": doc.format.value,
            "state": "pending",
            "attempts": 0,
            "sha256": None,
            "path": None,
        }
        for doc in plan_documents(decisions, FilingMode.PER_CASE)
    ]
    document_rows[0].update(state="rendered", attempts=1, sha256="d" * 64, path=f"batches/{batch_id}/a.pdf")
    documents = [
        (row["subject"], row["kind"], row["format"], row["state"], row["sha256"]) for row in document_rows
    ]
    bundle = {
        "id": 1,
        "batch_id": batch_id,
        "court_code": courts[0],
        "version": 1,
        "path": f"batches/{batch_id}/{courts[0]}-v001.zip",
        "sha256": "e" * 64,
        "bytes": 12345,
        "content_digest": "f" * 64,
        "created_at": created,
    }
    with engine.begin() as conn:
        conn.execute(insert(old.batches), [batch])
        conn.execute(
            insert(old.decisions),
            [
                {
                    "batch_id": batch_id,
                    "decision_id": decision.decision_id,
                    "position": position,
                    "court_code": decision.court.code,
                    "case_number": decision.case.number,
                    "person_key": person_key(decision, salt),
                    "payload": decision.model_dump_json(),
                }
                for position, decision in enumerate(decisions)
            ],
        )
        conn.execute(insert(old.documents), document_rows)
        conn.execute(
            insert(old.court_batches),
            [
                {
                    "batch_id": batch_id,
                    "court_code": code,
                    "state": "published" if code == courts[0] else "rendering",
                }
                for code in courts
            ],
        )
        conn.execute(insert(old.bundles), [bundle])
    password, token = "correct horse battery staple", "cdt_" + secrets.token_urlsafe(32)
    if with_accounts:
        _fill_accounts(engine, courts[0], password, token, created)
    return LegacyBatch(batch_id, batch, decisions, courts, documents, bundle, "clerk1", password, token)


def _fill_accounts(engine: Engine, court: str, password: str, token: str, created: datetime) -> None:
    with engine.begin() as conn:
        user_id = conn.scalar(
            insert(old.users)
            .values(
                name="clerk1",
                role="clerk",
                courts=f'["{court}"]',
                password_hash=PasswordHasher().hash(password),
                active=True,
                created_at=created,
            )
            .returning(old.users.c.id)
        )
        conn.execute(
            insert(old.api_tokens).values(
                user_id=user_id, token_hash=hashlib.sha256(token.encode()).hexdigest(), created_at=created
            )
        )
        conn.execute(
            insert(old.sessions).values(
                id_hash="a" * 64, user_id=user_id, csrf="b" * 64, expires_at=datetime(2026, 1, 1, tzinfo=UTC)
            )
        )
        conn.execute(
            insert(old.audit_log).values(at=created, actor="clerk1", action="login", target="", outcome="ok")
        )


def add_revision(folder: Path, revision: str = TEST_REVISION) -> Path:
    """Copy the package's migration environment to a folder and add a revision after its head."""
    shutil.copytree(migrate.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / f"{NEWER_REVISION}_test.py").write_text(revision, encoding="utf-8")
    return folder


def upgrade_in_child(database_url: str, start: Any, results: Any) -> None:
    """In a spawned process: wait for the others at the barrier, upgrade, report (before, after)."""
    engine = make_engine(database_url)
    try:
        start.wait(timeout=60)
        done = migrate.upgrade(engine)
        results.put((done.before, done.after))
    except Exception as error:
        results.put(("failed", f"{type(error).__name__}: {error}"))
        raise
    finally:
        engine.dispose()


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows each of the database's tables holds, Alembic's own left out."""
    with engine.connect() as conn:
        names = [name for name in inspect(conn).get_table_names() if name != "alembic_version"]
        return {name: conn.scalar(text(f"SELECT count(*) FROM {name}")) or 0 for name in names}


def schema_facts(engine: Engine) -> list[tuple[Any, ...]]:
    """The database's own description of its tables, columns, indexes and constraints, sorted.

    SQLite keeps each CREATE statement as written; PostgreSQL describes columns in
    information_schema and rebuilds index and constraint definitions from its catalogue. The
    alembic_version table is left out.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'"
                )
            )
            return sorted(tuple(row) for row in rows)
        queries = [
            "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length,"
            " is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public'",
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace",
        ]
        facts = [tuple(row) for query in queries for row in conn.execute(text(query))]
        return sorted((fact for fact in facts if "alembic_version" not in str(fact[:2])), key=str)
