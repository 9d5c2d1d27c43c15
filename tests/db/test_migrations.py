"""Schema migrations: a database from before migrations upgraded and read back intact, revision
0001 equal to main's schema and the newest equal to the models, a database at 0001 upgraded with
its rows and the new defaults, an older schema refused by the worker and the web, upgrades from
several processes at once, and `courtdocs db upgrade`. On SQLite and, when it runs, PostgreSQL.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect, text

from service.db import migrate, ready
from service.db.accounts import Accounts
from service.db.migrate import (
    Upgrade,
    current_revision,
    head_revision,
    prepare_database,
    require_current,
    upgrade,
)
from service.db.rows import as_values
from service.db.schema import make_engine, metadata
from service.db.store import Store
from service.errors import SchemaError, SchemaOutOfDateError
from tests.db import legacy_schema
from tests.db.migration_helpers import (
    NEWER_REVISION,
    PACKAGE_HEAD,
    TEST_REVISION,
    LegacyBatch,
    add_revision,
    fill_legacy,
    naive,
    row_counts,
    schema_facts,
    upgrade_in_child,
)
from tests.services import require_services, temporary_postgres_database

TWO_DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=TWO_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'courtdocs.sqlite3'}"
        return
    require_services()
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def differences(engine: Engine, models: MetaData) -> list[object]:
    """What autogenerate finds between the database and the models (nothing, when they agree)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, models))


# -- (a) a database made by main before migrations, upgraded and read back ------------------


def test_a_database_made_before_migrations_is_upgraded_with_its_batch_intact(
    database_url: str, engine: Engine
) -> None:
    legacy_schema.metadata.create_all(engine)  # what main's create_schema did, with accounts imported
    legacy = fill_legacy(engine)

    assert upgrade(engine) == Upgrade(before="0001", after=head_revision(), adopted=True)

    store = Store(database_url)
    try:
        assert_intact(store, legacy)
    finally:
        store.dispose()


def assert_intact(store: Store, legacy: LegacyBatch) -> None:
    """Read the batch, its decisions, documents, courts, bundle and accounts back through the Store."""
    batch = store.batches.batch(legacy.batch_id)
    assert batch is not None
    assert {key: naive(value) for key, value in as_values(batch).items()} == {
        key: naive(value) for key, value in {**legacy.batch, "filing": "omnibus"}.items()
    }  # a batch made before filing plans was an omnibus one
    ids = [decision.decision_id for decision in legacy.decisions]
    payloads = store.batches.decision_payloads(legacy.batch_id, ids)
    assert payloads == {decision.decision_id: decision.model_dump_json() for decision in legacy.decisions}
    assert [row.court_code for row in store.publications.courts_of(legacy.batch_id)] == legacy.courts
    stored = [
        (doc.subject, doc.kind, doc.format, doc.state, doc.sha256)
        for court in legacy.courts
        for doc in store.documents.of_court(legacy.batch_id, court)
    ]
    assert sorted(stored, key=str) == sorted(legacy.documents, key=str)
    bundles = [
        {key: naive(value) for key, value in as_values(row).items()}
        for row in store.publications.bundles_of(legacy.batch_id)
    ]
    assert bundles == [{key: naive(value) for key, value in {**legacy.bundle, "final": False}.items()}]
    assert store.approvals.of_batch(legacy.batch_id) == {}  # no one approved it: its bundle is a draft
    accounts = Accounts(store)
    user = accounts.check_password(legacy.user, legacy.password)
    assert user is not None and user.courts == tuple(legacy.courts[:1])
    assert accounts.user_for_token(legacy.token) == user
    assert [entry["action"] for entry in accounts.audit_entries()] == ["login"]
    accounts.add_user("after-upgrade", user.role, ["LA-CCB"], None)  # and new rows still go in


def test_a_database_the_command_line_made_gains_the_account_tables(engine: Engine) -> None:
    """Main created the account tables only in processes that had imported its accounts module."""
    accounts = {"users", "api_tokens", "sessions", "audit_log"}
    core = [table for name, table in legacy_schema.metadata.tables.items() if name not in accounts]
    legacy_schema.metadata.create_all(engine, tables=core)
    fill_legacy(engine, with_accounts=False)

    assert upgrade(engine).adopted
    assert accounts <= set(inspect(engine).get_table_names())
    assert differences(engine, metadata) == []


def test_an_older_database_gains_the_publication_error_column(engine: Engine) -> None:
    """A database from before court_batches.last_error (what add_missing_columns added by hand)."""
    legacy_schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE court_batches DROP COLUMN last_error"))

    with pytest.raises(SchemaOutOfDateError):  # adopted at 0001, it is older than this code
        prepare_database(engine, upgrade_existing=False)
    assert "last_error" not in [column["name"] for column in inspect(engine).get_columns("court_batches")]

    prepare_database(engine, upgrade_existing=True)  # adopting adds it, as every process did

    columns = [column["name"] for column in inspect(engine).get_columns("court_batches")]
    assert "last_error" in columns
    assert current_revision(engine) == head_revision()
    assert differences(engine, metadata) == []


def test_a_database_unlike_revision_0001_is_refused_and_left_alone(engine: Engine) -> None:
    legacy_schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE batches ADD COLUMN nickname VARCHAR(20) DEFAULT 'x' NOT NULL"))

    with pytest.raises(SchemaError, match=r"differ from revision 0001 in 1 way.*nickname"):
        upgrade(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()


# -- (b) revision 0001 on an empty database is the models, and main's schema ----------------


def test_revision_0001_on_an_empty_database_is_exactly_the_schema_of_main(engine: Engine) -> None:
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0001")
    assert differences(engine, legacy_schema.metadata) == []
    assert set(inspect(engine).get_table_names()) == {*legacy_schema.metadata.tables, "alembic_version"}


def test_revision_0001_writes_the_same_definitions_as_main_did(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """Stronger than autogenerate's comparison: the database's own catalogue, to the character."""
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0001")
    with another_database(database_url, tmp_path) as other_url:
        made_by_main = make_engine(other_url)
        try:
            legacy_schema.metadata.create_all(made_by_main)
            assert schema_facts(engine) == schema_facts(made_by_main)
        finally:
            made_by_main.dispose()


@contextlib.contextmanager
def another_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    with temporary_postgres_database() as url:
        yield url


def test_the_newest_revision_on_an_empty_database_is_exactly_the_models(engine: Engine) -> None:
    assert upgrade(engine) == Upgrade(before=None, after=head_revision(), adopted=False)
    assert differences(engine, metadata) == []
    assert set(inspect(engine).get_table_names()) == {*metadata.tables, "alembic_version"}


def test_a_database_at_revision_0001_is_upgraded_with_every_row_and_the_new_defaults(
    database_url: str, engine: Engine
) -> None:
    """Revisions 0002 and after: batches.filing, bundles.final, filing_approvals, rulings; no row lost."""
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0001")
    legacy = fill_legacy(engine)
    before = row_counts(engine)

    assert upgrade(engine) == Upgrade(before="0001", after=head_revision(), adopted=False)

    assert row_counts(engine) == {**before, "filing_approvals": 0, "rulings": 0, "ruling_exceptions": 0}
    store = Store(database_url)
    try:
        assert_intact(store, legacy)  # every batch omnibus, every bundle a draft
    finally:
        store.dispose()
    assert differences(engine, metadata) == []


# -- (c) an older schema: the worker and the web refuse; a command on the embedded file upgrades


@pytest.fixture
def newer_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make this courtdocs one revision newer than the package (a test revision); return it."""
    folder = add_revision(tmp_path / "migrations")
    monkeypatch.setattr(migrate, "MIGRATIONS", folder)
    monkeypatch.setattr(ready, "HEAD_REVISION", NEWER_REVISION)
    return NEWER_REVISION


def test_the_worker_and_the_web_refuse_an_older_schema_and_say_what_to_run(
    database_url: str, engine: Engine, tmp_path: Path, newer_code: str
) -> None:
    from service.settings import Settings
    from service.web.app import create_app
    from service.worker.pool import prepare

    upgrade_to_package_head(engine)
    settings = Settings(output_dir=tmp_path / "output", database_url=database_url)
    message = (
        f"the database is at revision {PACKAGE_HEAD}, this courtdocs needs {newer_code}:"
        " run `courtdocs db upgrade`"
    )
    for start in (create_app, prepare):
        with pytest.raises(SchemaOutOfDateError) as refused:
            start(settings)
        assert str(refused.value) == message
    assert current_revision(engine) == PACKAGE_HEAD  # nothing was migrated behind the operator's back


def test_a_command_upgrades_the_embedded_database_but_not_a_shared_one(
    tmp_path: Path, newer_code: str
) -> None:
    from service.cli.main import prepare_cli_database
    from service.pipeline.runtime import Runtime
    from service.settings import Settings

    embedded = Settings(output_dir=tmp_path / "embedded")
    shared = Settings(output_dir=tmp_path / "shared", database_url=f"sqlite:///{tmp_path / 'shared.db'}")
    for settings in (embedded, shared):
        rt = Runtime(settings)
        try:
            upgrade_to_package_head(rt.store.engine)
            if settings is shared:
                with pytest.raises(SchemaOutOfDateError):
                    prepare_cli_database(rt)
                assert current_revision(rt.store.engine) == PACKAGE_HEAD
            else:
                prepare_cli_database(rt)
                assert current_revision(rt.store.engine) == newer_code
        finally:
            rt.close()


def test_a_revision_that_rebuilds_a_table_on_sqlite_keeps_every_row_that_refers_to_it(
    tmp_path: Path, newer_code: str
) -> None:
    """SQLite rebuilds a table to alter it; with foreign keys on, dropping the old one would cascade."""
    engine = make_engine(f"sqlite:///{tmp_path / 'courtdocs.sqlite3'}")
    legacy_schema.metadata.create_all(engine)
    legacy = fill_legacy(engine)

    assert upgrade(engine) == Upgrade(before="0001", after=newer_code, adopted=True)

    assert "note" in [column["name"] for column in inspect(engine).get_columns("batches")]
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM decisions")) == len(legacy.decisions)
        assert conn.scalar(text("SELECT count(*) FROM bundles")) == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again afterwards
    engine.dispose()


def test_a_revision_that_breaks_foreign_keys_on_sqlite_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Foreign keys are off while SQLite migrates, so they are checked before the commit."""
    orphaning = TEST_REVISION.replace(
        'with op.batch_alter_table("batches", recreate="always") as batch:\n'
        '        batch.add_column(sa.Column("note", sa.Text()))',
        'op.execute("DELETE FROM batches")',
    )
    assert 'op.execute("DELETE FROM batches")' in orphaning
    monkeypatch.setattr(migrate, "MIGRATIONS", add_revision(tmp_path / "migrations", orphaning))
    engine = make_engine(f"sqlite:///{tmp_path / 'courtdocs.sqlite3'}")
    legacy_schema.metadata.create_all(engine)
    fill_legacy(engine)

    with pytest.raises(SchemaError, match=r"a migration broke \d+ foreign key\(s\); nothing was changed"):
        upgrade(engine)

    assert current_revision(engine) is None  # not even adopted: one transaction
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM batches")) == 1
    engine.dispose()


def test_a_database_a_newer_courtdocs_upgraded_is_refused(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for attempt in (require_current, upgrade):
        with pytest.raises(SchemaError, match="revision 9999, which this courtdocs does not know"):
            attempt(engine)


def test_an_empty_database_is_set_up_by_whoever_starts_first(engine: Engine) -> None:
    with pytest.raises(SchemaOutOfDateError, match=f"at revision none, this courtdocs needs {PACKAGE_HEAD}"):
        require_current(engine)
    prepare_database(engine, upgrade_existing=False)  # a fresh install: the worker or web sets it up
    require_current(engine)


def upgrade_to_package_head(engine: Engine) -> None:
    """Upgrade with the revisions that ship in the package, whatever the test made this code need."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "MIGRATIONS", Path(migrate.__file__).with_name("migrations"))
        upgrade(engine)
    assert current_revision(engine) == PACKAGE_HEAD


# -- (d) several processes upgrading one fresh database at once ----------------------------


def test_processes_upgrading_one_fresh_database_at_once_all_succeed(database_url: str) -> None:
    processes = 4
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    results = context.Queue()
    children = [
        context.Process(target=upgrade_in_child, args=(database_url, start, results))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0] * processes, outcomes
    assert sorted(outcomes, key=str) == sorted(
        [(None, head_revision())] + [(head_revision(), head_revision())] * (processes - 1), key=str
    )  # exactly one process migrated; the others waited for it and found the work done


# -- (e) the command line ---------------------------------------------------------------


def test_courtdocs_db_upgrade_and_current(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["COURTDOCS_OUTPUT_DIR"] = str(tmp_path)

    def courtdocs(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "service", "db", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    before = courtdocs("current")
    assert (before.returncode, before.stdout) == (1, "none\n")
    assert f"this courtdocs needs {PACKAGE_HEAD}: run `courtdocs db upgrade`" in before.stderr
    first, again = courtdocs("upgrade"), courtdocs("upgrade")
    assert (first.returncode, first.stdout) == (
        0,
        f"upgraded the database from revision none (empty) to {PACKAGE_HEAD}\n",
    )
    assert (again.returncode, again.stdout) == (0, f"the database is at revision {PACKAGE_HEAD} already\n")
    after = courtdocs("current")
    assert (after.returncode, after.stdout, after.stderr) == (0, f"{PACKAGE_HEAD}\n", "")


def test_courtdocs_db_upgrade_adopts_a_database_made_before_migrations(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'courtdocs.sqlite3'}")
    legacy_schema.metadata.create_all(engine)
    engine.dispose()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["COURTDOCS_OUTPUT_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "service", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout == (
        "adopted a database made before migrations at revision 0001\n"
        f"upgraded the database from revision 0001 to {PACKAGE_HEAD}\n"
    )


# -- the fast path every process takes at start ------------------------------------------------


def test_the_fast_path_knows_the_newest_revision_in_the_package() -> None:
    """service/db/ready.py answers without Alembic; its HEAD_REVISION must be Alembic's head."""
    assert head_revision() == ready.HEAD_REVISION


def test_a_worker_at_the_current_revision_never_loads_alembic(tmp_path: Path) -> None:
    """A rendering worker keeps what it imports for life: Alembic would add about 14 MiB to each."""
    url = f"sqlite:///{tmp_path / 'courtdocs.sqlite3'}"
    upgrade(make_engine(url))
    probe = (
        "import sys\n"
        "from service.db.ready import prepare_database\n"
        "from service.db.schema import make_engine\n"
        f"prepare_database(make_engine({url!r}), upgrade_existing=False)\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
