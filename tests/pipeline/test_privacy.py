"""Privacy and security: what Redis, logs, files and the database keep, and deleting a batch.

The batch here is run by the `courtdocs` command line alone, as an operator runs it, so its
umask and its embedded Redis are the real ones.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import stat
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq.registry import FailedJobRegistry
from sqlalchemy import text

from service.db.accounts import Accounts, Role
from service.db.migrate import upgrade
from service.db.store import Store
from service.pipeline.queue import FAILED_JOB_TTL
from service.settings import Settings
from tests.faults.fault_helpers import FAST, assert_check_passes, submit
from tests.pipeline_helpers import Pipeline, make_pipeline

LINEAR_B = "𐀀𐀁"  # no bundled font draws it: one decision fails and its failure is logged
PER_CASE = ("--filing", "per-case")  # documents rendered by workers, one render job per few cases


@dataclass(frozen=True)
class Run:
    """A batch run by the command line: its sample decisions, worker log and file modes after it."""

    pipeline: Pipeline
    batch_id: str
    decisions: list[dict[str, Any]]
    log: str
    modes: dict[str, int]  # path under the output folder -> permission bits, right after the run


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    pipeline = make_pipeline(tmp_path_factory.mktemp("privacy") / "out", **FAST)
    sample = pipeline.output.parent / "batch.jsonl"  # the operator's file, outside the output folder
    sample.write_text(pipeline.sample_file(10, courts=2, seed=41).read_text())
    next(pipeline.output.glob("sample-*.jsonl")).unlink()
    decisions = [json.loads(line) for line in sample.read_text().splitlines()]
    decisions[3]["person"]["aka"] = [LINEAR_B]
    sample.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in decisions))
    batch_id = submit(pipeline, sample, *PER_CASE)  # workers render (and log) each case's documents
    worker = pipeline.courtdocs("worker", "--burst", "--processes", "2")
    modes = {
        str(p.relative_to(pipeline.output)): stat.S_IMODE(p.stat().st_mode) for p in walk(pipeline.output)
    }
    yield Run(pipeline, batch_id, decisions, worker.stdout + worker.stderr, modes)
    pipeline.close()


def walk(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if not path.is_socket():
            yield path


def personal_values(decisions: list[dict[str, Any]]) -> set[str]:
    """Return every name, date of birth, CII number and street line of the people in the decisions."""
    values: set[str] = set()
    for decision in decisions:
        person = decision["person"]
        values.update([person["name"], person["dob"], *person.get("aka", [])])
        values.update(filter(None, [person.get("cii")]))
        values.update((person.get("address") or {}).get("lines", []))
    return {value for value in values if len(value) >= 4}


def redis_contents(connection: Redis) -> str:
    """Return every key and value in a Redis database as text, compressed values (rq's) inflated."""
    parts: list[bytes] = []
    for key in connection.scan_iter(count=1000):
        kind = connection.type(key).decode()
        parts.append(key)
        if kind == "string":
            parts.append(connection.get(key) or b"")
        elif kind == "hash":
            parts += [item for pair in connection.hgetall(key).items() for item in pair]
        elif kind == "list":
            parts += connection.lrange(key, 0, -1)
        elif kind in ("set", "zset"):
            parts += connection.zrange(key, 0, -1) if kind == "zset" else list(connection.smembers(key))
        elif kind == "stream":
            parts += [v for _, entry in connection.xrange(key) for pair in entry.items() for v in pair]
    return "\n".join(_inflated(part) for part in parts)


def _inflated(value: bytes) -> str:
    """Return a value as text, inflating what rq compresses (job data; failures, also in base64)."""
    for decode in (zlib.decompress, lambda raw: zlib.decompress(base64.b64decode(raw, validate=True))):
        with contextlib.suppress(zlib.error, binascii.Error, ValueError):
            return decode(value).decode("utf-8", errors="replace")
    return value.decode("utf-8", errors="replace")


# -- nothing personal in Redis or the logs ---------------------------------------------------


def test_the_run_published_its_batch_and_logged_its_failure(run: Run) -> None:
    assert_check_passes(run.pipeline, run.batch_id)
    assert "MissingGlyphError" in run.log  # there is a log to search, and it names the failure


def test_redis_holds_no_name_date_of_birth_cii_or_address_after_a_batch(run: Run) -> None:
    contents = redis_contents(run.pipeline.runtime().redis)
    assert run.batch_id in contents  # job ids and arguments are there, identifiers only
    leaked = sorted(value for value in personal_values(run.decisions) if value in contents)
    assert leaked == []


def test_the_worker_log_holds_no_name_date_of_birth_cii_or_address(run: Run) -> None:
    leaked = sorted(value for value in personal_values(run.decisions) if value in run.log)
    assert leaked == []


def test_a_failed_jobs_record_expires_and_holds_no_personal_data(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out", **FAST)
    try:
        sample = pipeline.sample_file(1, courts=1, seed=42)
        submit(pipeline, sample, *PER_CASE)
        with pipeline.runtime().store.engine.begin() as conn:
            conn.execute(text("DELETE FROM decisions"))  # its jobs now fail with an error of ours
        pipeline.courtdocs("worker", "--burst")
        rt = pipeline.runtime()
        failed = FailedJobRegistry(queue=rt.queue)
        job_ids = failed.get_job_ids()
        assert job_ids
        for job_id in job_ids:
            for key in (f"rq:job:{job_id}", f"rq:results:{job_id}"):
                assert 0 < rt.redis.ttl(key) <= FAILED_JOB_TTL, key
            expires = rt.redis.zscore(failed.key, job_id)
            assert expires is not None and expires <= time.time() + FAILED_JOB_TTL
        contents = redis_contents(rt.redis)
        assert "has no decision" in contents  # the failure record is there to read...
        decisions = [json.loads(line) for line in sample.read_text().splitlines()]
        assert [v for v in personal_values(decisions) if v in contents] == []  # ...and holds no person
    finally:
        pipeline.close()


# -- files, secrets ------------------------------------------------------------------------------


def test_every_file_and_folder_the_service_wrote_is_private_to_its_user(run: Run) -> None:
    assert len(run.modes) > 50
    wrong = {path: oct(mode) for path, mode in run.modes.items() if mode not in (0o600, 0o700)}
    assert wrong == {}
    folders = [path for path in run.modes if (run.pipeline.output / path).is_dir()]
    assert all(run.modes[path] == 0o700 for path in folders)


def test_passwords_tokens_and_sessions_are_stored_only_as_hashes(tmp_path: Path) -> None:
    store = Store(Settings(output_dir=tmp_path).sqlite_url)
    upgrade(store.engine)
    accounts = Accounts(store)
    password = "correct horse battery staple"
    user = accounts.add_user("clerk1", Role.CLERK, ["LA-CCB"], password)
    token = accounts.create_token("clerk1")[1]
    session_id, _ = accounts.start_session(user)
    with store.engine.connect() as conn:
        users = conn.execute(text("SELECT password_hash FROM users")).scalars().all()
        tokens = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
        sessions = conn.execute(text("SELECT id_hash FROM sessions")).scalars().all()
    assert users[0].startswith("$argon2id$") and password not in users[0]
    assert tokens == [hashlib.sha256(token.encode()).hexdigest()]
    assert sessions == [hashlib.sha256(session_id.encode()).hexdigest()]
    store.dispose()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("courtdocs.sqlite3*"))
    for secret in (password, token, session_id):
        assert secret.encode() not in stored


# -- deleting a batch ----------------------------------------------------------------------------


def rows_of(pipeline: Pipeline, batch_id: str) -> dict[str, int]:
    tables = {"batches": "id", "decisions": "batch_id", "documents": "batch_id"}
    tables |= {"court_batches": "batch_id", "bundles": "batch_id"}
    with pipeline.runtime().store.engine.connect() as conn:
        return {
            table: conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :b"), {"b": batch_id}
            ).scalar_one()
            for table, column in tables.items()
        }


def job_keys(pipeline: Pipeline, batch_id: str) -> list[bytes]:
    return list(pipeline.runtime().redis.scan_iter(match=f"rq:*{batch_id}*"))


def test_deleting_a_finished_batch_removes_its_rows_files_and_jobs_and_nothing_else(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out", **FAST)
    try:
        pipeline.runtime().redis.ping()
        kept = submit(pipeline, pipeline.sample_file(1, courts=1, seed=43))
        gone = submit(pipeline, pipeline.sample_file(2, courts=2, seed=44), *PER_CASE)  # rows in every table
        pipeline.courtdocs("worker", "--burst")
        assert job_keys(pipeline, gone) and all(rows_of(pipeline, gone).values())
        result = pipeline.courtdocs("delete", gone)
        assert f"deleted batch {gone}: " in result.stdout and "folder removed" in result.stdout
        assert set(rows_of(pipeline, gone).values()) == {0}
        assert not (pipeline.output / "batches" / gone).exists()
        assert job_keys(pipeline, gone) == []
        missing = pipeline.courtdocs("check", gone, check=False)
        assert missing.returncode == 3 and missing.stderr == f"error: no batch {gone}\n"
        assert_check_passes(pipeline, kept)  # the other batch is whole
    finally:
        pipeline.close()


def test_deleting_an_unfinished_batch_needs_force_and_then_removes_its_queued_jobs(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out", **FAST)
    try:
        rt = pipeline.runtime()
        rt.redis.ping()
        batch_id = submit(pipeline, pipeline.sample_file(3, courts=1, seed=45))
        refused = pipeline.courtdocs("delete", batch_id, check=False)
        assert refused.returncode == 4 and "is still rendering" in refused.stderr
        assert rows_of(pipeline, batch_id)["batches"] == 1 and rt.queue.count > 0
        pipeline.courtdocs("delete", batch_id, "--force")
        assert set(rows_of(pipeline, batch_id).values()) == {0} and rt.queue.count == 0
    finally:
        pipeline.close()


@pytest.mark.parametrize("batch_id", ["..", "../..", "../../etc", "/etc", ".hidden", "b1/../../x"])
def test_delete_refuses_an_identifier_that_climbs_out_of_its_folder(tmp_path: Path, batch_id: str) -> None:
    pipeline = make_pipeline(tmp_path / "out", **FAST)
    try:
        (pipeline.output / "batches").mkdir(parents=True)
        canary = pipeline.output / "canary.txt"
        canary.write_text("still here")
        result = pipeline.courtdocs("delete", batch_id, "--force", check=False)
        assert result.returncode == 1 and "refusing to use" in result.stderr
        assert canary.exists() and (pipeline.output / "batches").exists()
    finally:
        pipeline.close()
