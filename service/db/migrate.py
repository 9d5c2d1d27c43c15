"""Schema migrations with Alembic: bring a database to this code's revision, or refuse an old one.

The revisions live in service/db/migrations, inside the package so that they ship in the wheel;
Alembic is configured here in code, with no alembic.ini. Every process makes its database ready
with one call, `prepare_database`; `courtdocs db upgrade` calls `upgrade`.

Several processes may start at once (workers, the web server, a submit). A migration runs in one
transaction under a lock (a PostgreSQL advisory lock, or SQLite's write lock taken by BEGIN
IMMEDIATE) and reads the revision again once it holds the lock: the first process migrates, the
others wait for it and find the work done. Both databases roll DDL back with the transaction, so a
failed migration leaves the schema as it was.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from service.errors import DatabaseUnavailableError, SchemaError, SchemaOutOfDateError

MIGRATIONS = Path(__file__).with_name("migrations")
INITIAL_REVISION = "0001"  # the schema before migrations: an unversioned database is adopted at it
SQLITE_LOCK_ATTEMPTS = 5  # tries of a migration that SQLite refused at once as "locked"
ADVISORY_LOCK = 7_262_020_112  # key of the PostgreSQL advisory lock that courtdocs migrations take


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade found and left: the revision before (None: an empty database) and after."""

    before: str | None
    after: str
    adopted: bool  # made before migrations, recorded at INITIAL_REVISION first (see _adopt)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: the package's revisions and, if given, the connection."""
    config = _config(MIGRATIONS)
    if connection is not None:
        config.attributes["connection"] = connection  # env.py runs the revisions on it
    return config


def head_revision() -> str:
    """The revision this code needs: the newest one in service/db/migrations/versions."""
    head = _scripts(MIGRATIONS).get_current_head()
    if head is None:
        raise SchemaError(f"no revisions in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None when it records none (empty, or made before migrations)."""
    with _storage("read the database's revision"), engine.connect() as conn:
        return _current(conn)


def require_current(engine: Engine) -> None:
    """Raise SchemaOutOfDateError unless the database is at the revision this code needs."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        _refuse_unknown(current)
        raise SchemaOutOfDateError(current, head)


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to this code's revision (adopting one made before migrations)."""
    return _with_lock_retries(engine, upgrade_existing=True)


def prepare_database(engine: Engine, *, upgrade_existing: bool) -> None:
    """Make the database ready for this code: the one call each process makes before using it.

    An empty database (a fresh install) is upgraded, whoever calls; one made before migrations is
    adopted (see `_adopt`). An existing database at an older revision is upgraded only with
    upgrade_existing; otherwise SchemaOutOfDateError says to run `courtdocs db upgrade`, because a
    shared database is migrated by its operator, never behind their back by a process starting.
    """
    try:
        if current_revision(engine) == head_revision():
            return  # the usual case, settled without taking the lock
        _with_lock_retries(engine, upgrade_existing=upgrade_existing)
    except BaseException:
        engine.dispose()  # the caller stops here: leave no connection open behind it
        raise


def _with_lock_retries(engine: Engine, *, upgrade_existing: bool) -> Upgrade:
    """Adopt, check and upgrade under the migration lock, trying again when SQLite said "locked".

    SQLite answers "database is locked" at once, without waiting its busy timeout, in some races
    between processes opening a fresh file together (seen in CI: 1 of 4 starting at once failed).
    The migration is one transaction, so trying it again is safe; it finds the work done.
    """
    for attempt in range(1, SQLITE_LOCK_ATTEMPTS + 1):
        try:
            with _migrating(engine) as conn:
                return _bring_up(conn, upgrade_existing=upgrade_existing)
        except DatabaseUnavailableError as error:
            locked = engine.dialect.name == "sqlite" and "database is locked" in str(error)
            if not locked or attempt == SQLITE_LOCK_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")  # the loop returns or raises


def _bring_up(conn: Connection, *, upgrade_existing: bool) -> Upgrade:
    """Adopt, check and upgrade, on a connection that holds the migration lock."""
    head = head_revision()
    before = _current(conn)
    adopted = before is None and _adopt(conn)
    if adopted:
        before = INITIAL_REVISION
    if before is not None and before != head:
        _refuse_unknown(before)
        if not upgrade_existing:
            raise SchemaOutOfDateError(before, head)  # the transaction, adoption included, rolls back
    if before != head:
        command.upgrade(alembic_config(conn), "head")
    return Upgrade(before, head, adopted)


def _adopt(conn: Connection) -> bool:
    """Record a database made before migrations at INITIAL_REVISION; return False if it is empty.

    Before migrations every command ran create_all and add_missing_columns, which left no
    alembic_version table; upgrading such a database from nothing would fail on its tables, and
    asking every operator to stamp it by hand would stop every deployment once. So its tables are
    compared with those of revision 0001 (the schema that code created, frozen in the revision) and
    it is recorded at that revision once it matches. To match, it gets what the old code would
    have added the next time it started, and nothing else: the missing tables (only processes that
    had imported the accounts module created the four account tables, so a database used from the
    command line alone lacks them), the missing nullable columns (what add_missing_columns added)
    and missing indexes. Any other difference (a type, a nullability, a column 0001 does not have)
    is refused with the list, for a person to look at, and nothing changes. Tables of other
    applications in the same database are left out of the comparison and alone.
    """
    initial: MetaData = _scripts(MIGRATIONS).get_revision(INITIAL_REVISION).module.metadata
    if not set(inspect(conn).get_table_names()) & set(initial.tables):
        return False

    def ours(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or name in initial.tables

    context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours})
    found = compare_metadata(context, initial)
    refused = [difference for difference in found if not _additive(difference)]
    if refused:
        listed = "; ".join(str(difference) for difference in refused[:10])
        raise SchemaError(
            f"the database has courtdocs tables but no revision, and they differ from revision "
            f"{INITIAL_REVISION} in {len(refused)} way(s) that adopting it cannot add: {listed}"
        )
    new_tables = {difference[1].name for difference in found if _is(difference, "add_table")}
    initial.create_all(conn, checkfirst=True)  # the missing tables, with their indexes
    operations = Operations(context)
    for difference in found:
        if _is(difference, "add_column"):
            column = difference[3]
            operations.add_column(difference[2], Column(column.name, column.type))
        elif _is(difference, "add_index") and difference[1].table.name not in new_tables:
            difference[1].create(conn)
    command.stamp(alembic_config(conn), INITIAL_REVISION)
    return True


def _additive(difference: Any) -> bool:
    """Whether a difference from revision 0001 is something adopting a database may add."""
    if _is(difference, "add_column"):
        return bool(difference[3].nullable)
    return _is(difference, "add_table") or _is(difference, "add_index")


def _is(difference: Any, kind: str) -> bool:
    """Whether an autogenerate difference is of a kind ("add_table"); changes of a column are lists."""
    return isinstance(difference, tuple) and difference[0] == kind


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _refuse_unknown(revision: str | None) -> None:
    """Raise SchemaError when the database is at a revision this code does not have (a newer one)."""
    known = {script.revision for script in _scripts(MIGRATIONS).walk_revisions()}
    if revision is not None and revision not in known:
        raise SchemaError(
            f"the database is at revision {revision}, which this courtdocs does not know: a newer "
            "courtdocs has upgraded it; run that version"
        )


@lru_cache(maxsize=4)
def _scripts(location: Path) -> ScriptDirectory:
    """The revisions in a folder, read once per process."""
    return ScriptDirectory.from_config(_config(location))


def _config(location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(location).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


@contextlib.contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """Yield a connection in one transaction that holds the migration lock; commit at the end."""
    with _storage("migrate the database"), engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
                yield conn
        elif conn.dialect.name == "sqlite":
            with _sqlite_write_lock(conn):
                yield conn
        else:
            raise SchemaError(f"courtdocs migrates SQLite and PostgreSQL databases, not {conn.dialect.name}")


@contextlib.contextmanager
def _sqlite_write_lock(conn: Connection) -> Iterator[None]:
    """Hold SQLite's write lock for the whole migration (BEGIN IMMEDIATE), with foreign keys off.

    A batch migration copies a table, drops the old one and renames the copy; with foreign keys on,
    the drop would delete every row that refers to the table (ON DELETE CASCADE). SQLite ignores the
    pragma inside a transaction, so it is turned off before BEGIN and the keys are checked with
    foreign_key_check before COMMIT; then it is turned on again. A connection that failed on the
    way is discarded rather than returned to the pool in an unknown state.
    """
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits (the engine's busy timeout) for another migration
        try:
            yield
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise SchemaError(f"a migration broke {len(broken)} foreign key(s); nothing was changed")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    except BaseException:
        conn.invalidate()
        raise
    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    conn.commit()


@contextlib.contextmanager
def _storage(doing: str) -> Iterator[None]:
    """Turn a database failure into a DatabaseUnavailableError that says what was being done."""
    try:
        yield
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(f"cannot {doing}: {error}") from error
