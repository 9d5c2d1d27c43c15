"""The error tree: where its classes live, which are transient, and how the command line ends on them."""

from __future__ import annotations

import ast
import errno
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

import service
from service import errors
from service.errors import (
    BusyError,
    CourtdocsError,
    DatabaseUnavailableError,
    InvalidInputError,
    MissingDecisionError,
    NotFoundError,
    PublicationTakenOverError,
    RenderError,
    StorageUnavailableError,
    UnsafePathError,
    failure_reason,
    is_transient,
)
from tests.pipeline_helpers import make_pipeline

UNKNOWN = "b20260101-0000000000"  # the pattern of a batch id; no such batch
PRIVATE_SIGNALS = {
    "service.bundle.verify._OutOfOrder",  # control flow inside verify_bundle, never escapes it
    "service.render.pdf._ForbiddenFetch",  # must derive from WeasyPrint's error to stop a fetch
}


def tree() -> list[type[BaseException]]:
    return [cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, BaseException)]


def test_every_error_class_derives_from_courtdocs_error_and_says_when_it_is_raised() -> None:
    for cls in tree():
        assert issubclass(cls, CourtdocsError), cls
        doc = cls.__dict__.get("__doc__") or ""
        assert doc.startswith("Raised ") or cls is CourtdocsError, cls
        assert isinstance(cls.transient, bool), cls


def test_no_module_but_errors_defines_an_error_class() -> None:
    found = []
    for module_info in pkgutil.walk_packages(service.__path__, "service."):
        if module_info.name in ("service.__main__", "service.errors"):
            continue
        if module_info.name.startswith("service.db.migrations."):
            continue  # revision scripts and env.py run inside Alembic, not on import
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            qualified = f"{module_info.name}.{name}"
            if cls.__module__ == module_info.name and issubclass(cls, BaseException):
                found.append(qualified)
    assert sorted(found) == sorted(PRIVATE_SIGNALS)


def test_errors_imports_only_the_standard_library() -> None:
    """The pure core raises these errors: errors.py must not pull in a database, queue or web library."""
    source = ast.parse(Path(errors.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(source)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (StorageUnavailableError("cannot write motion.pdf: No space left on device"), True),
        (DatabaseUnavailableError("the database does not answer"), True),
        (BusyError("batch b1 is being published"), True),
        (DatabaseUnavailableError("cannot create the database schema"), True),
        (UnsafePathError("refusing to use '..' in a file name"), False),
        (MissingDecisionError("batch b1 has no decision for motion d-1"), False),
        (NotFoundError("no batch b1"), False),
        (RenderError("malformed HTML"), False),
        (InvalidInputError([]), False),
        (PublicationTakenOverError("publication of b1/LA was taken over"), False),
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (MemoryError(), True),
        (OperationalError("SELECT 1", {}, Exception("database is locked")), True),
        (
            DBAPIError(
                "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
            ),
            True,
        ),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (RedisConnectionError("Error 111 connecting to 127.0.0.1:6379"), True),
        (ResponseError("WRONGTYPE"), False),
        (ValueError("a bug"), False),
        (KeyError("a bug"), False),
    ],
)
def test_only_faults_that_may_pass_are_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_a_failure_reason_keeps_another_librarys_words_out() -> None:
    assert failure_reason(ValueError("Jane Q. Public, born 1990-01-01")) == "ValueError"
    assert failure_reason(NotFoundError("no batch b1")) == "NotFoundError: no batch b1"
    assert failure_reason(OSError(errno.ENOSPC, "No space left on device")).startswith("OSError: [Errno 28]")
    locked = OperationalError("SELECT 1", {}, Exception("database is locked"))
    assert "database is locked" in failure_reason(locked)


# -- the command line -------------------------------------------------------------------------------


def courtdocs(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    pipeline = make_pipeline(tmp_path / "out", **env)
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=pipeline.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["status", UNKNOWN],
        ["status", "--json", UNKNOWN],
        ["retry", UNKNOWN],
        ["check", UNKNOWN],
        ["delete", UNKNOWN],
        ["delete", "--force", UNKNOWN],
        ["approve", UNKNOWN, "--all", "--name", "A. Attorney", "--title", "Deputy", "--bar", "1"],
    ],
)
def test_every_command_on_an_unknown_batch_prints_one_line_and_exits_3(
    tmp_path: Path, command: list[str]
) -> None:
    result = courtdocs(tmp_path, *command)
    assert (result.returncode, result.stderr, result.stdout) == (3, f"error: no batch {UNKNOWN}\n", "")


def test_an_unknown_token_is_not_found(tmp_path: Path) -> None:
    result = courtdocs(tmp_path, "tokens", "revoke", "99")
    assert (result.returncode, result.stderr) == (3, "error: no active token 99\n")


def test_a_bad_setting_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = courtdocs(tmp_path, "status", UNKNOWN, COURTDOCS_JOB_CHUNK="abc")
    assert (result.returncode, result.stderr) == (
        1,
        "error: COURTDOCS_JOB_CHUNK must be a whole number, not 'abc'\n",
    )


@pytest.mark.parametrize(
    ("command", "env"),
    [
        (["status", UNKNOWN], {"DATABASE_URL": "postgresql+psycopg://courtdocs@127.0.0.1:1/none"}),
        (["submit", "{sample}"], {"REDIS_URL": "redis://127.0.0.1:1"}),
    ],
)
def test_a_database_or_redis_that_does_not_answer_is_one_line_and_exit_75(
    tmp_path: Path, command: list[str], env: dict[str, str]
) -> None:
    sample = make_pipeline(tmp_path / "out").sample_file(2, courts=1)
    result = courtdocs(tmp_path, *[part.format(sample=sample) for part in command], **env)
    assert result.returncode == 75, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Connection refused" in result.stderr or "connection refused" in result.stderr.lower()


def test_the_exit_codes_are_listed_in_the_help(tmp_path: Path) -> None:
    listed = courtdocs(tmp_path, "--help").stdout
    for line in (
        "1   invalid input",
        "2   wrong usage",
        "3   no such batch",
        "4   a conflict",
        "70  an",
        "75  the",
    ):
        assert line in listed, listed
