"""Alembic's environment: run the revisions on the connection service.db.migrate hands over.

service.db.migrate passes a connection inside a locked transaction in `config.attributes`;
the `alembic` command (run in a checkout to write a revision, see docs/database.md) has none, so
it connects to the database the settings name (DATABASE_URL, or the embedded SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from service.db.schema import make_engine, metadata
from service.settings import get_settings


def run(connection: Connection) -> None:
    """Run the migrations Alembic was asked for on this connection, inside its transaction."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # Batch operations (copy and move a table) are how SQLite alters a table; on PostgreSQL
        # they are plain ALTERs. Rendered always, so one revision runs on both databases.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("courtdocs migrations run on a live database; offline (--sql) mode is not supported")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(get_settings().effective_database_url)
    try:
        with engine.connect() as own:
            run(own)
    finally:
        engine.dispose()


main()
