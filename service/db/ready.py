"""Make a database ready for this code, loading Alembic only when there is something to do.

Every worker process, the web server and each command make this call at start. Importing Alembic
and reading the revisions costs a process about 14 MiB (measured: 10.5 MiB to import
service.db.migrate, 3.4 MiB to check), which a rendering worker would carry for its whole life.
The usual answer, "the database is at this code's revision", needs one query and no Alembic.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from service.errors import DatabaseUnavailableError

HEAD_REVISION = "0003"  # the newest revision in service/db/migrations/versions (a test keeps them equal)
VERSION_TABLE = "alembic_version"  # where Alembic records a database's revision


def recorded_revision(engine: Engine) -> str | None:
    """Return the revision the database records; None when it records none (empty, or pre-migrations)."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(VERSION_TABLE):
                return None
            revision = conn.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(f"cannot read the database's revision: {error}") from error
    return str(revision) if revision is not None else None


def prepare_database(engine: Engine, *, upgrade_existing: bool) -> None:
    """Return at once when the database is at HEAD_REVISION; else let Alembic set it up or refuse.

    What Alembic does then (a fresh install is set up, an older shared schema is refused unless
    upgrade_existing) is service.db.migrate.prepare_database.
    """
    if recorded_revision(engine) == HEAD_REVISION:
        return
    from service.db import migrate

    migrate.prepare_database(engine, upgrade_existing=upgrade_existing)
