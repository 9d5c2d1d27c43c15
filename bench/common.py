"""What the benchmarks share: a throwaway installation, sample decisions, worker pools, samplers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from rq import Worker

from service.core.filing import FilingMode
from service.core.sample import generate_decisions, write_jsonl
from service.db.migrate import upgrade
from service.pipeline.queue import shutdown_embedded
from service.pipeline.runtime import Runtime
from service.settings import Settings

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True, "cwd": REPO}
# What the service-vs-baseline comparison files: one motion and one order per case, PDF and DOCX,
# rendered by workers (4 documents a decision), as the baseline renders them, one job per document.
COMPARED_FILING = FilingMode.PER_CASE


@contextmanager
def installation(extra: dict[str, str] | None = None) -> Iterator[tuple[Runtime, dict[str, str]]]:
    """A throwaway installation: its own output folder, SQLite database and embedded Redis.

    Never the configured database or Redis: the baseline empties its queue, and a shared server
    would mix another load into the timings.
    """
    with tempfile.TemporaryDirectory(prefix="courtdocs-bench-") as folder:
        own = ("DATABASE_URL", "REDIS_URL", "COURTDOCS_OUTPUT_DIR")
        env = {k: v for k, v in os.environ.items() if k not in own}
        env.update(COURTDOCS_OUTPUT_DIR=folder, PYTHONPATH=str(REPO), **(extra or {}))
        rt = Runtime(Settings.from_env(env))
        upgrade(rt.store.engine)
        rt.redis.ping()
        try:
            yield rt, env
        finally:
            shutdown_embedded(rt.redis, rt.settings)
            rt.close()


def sample(rt: Runtime, decisions: int, courts: int = 3) -> Path:
    """Write the sample generator's decisions (seed 1) into the installation's folder."""
    path = rt.settings.output_dir / f"sample-{decisions}.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        write_jsonl(generate_decisions(decisions, seed=1, courts=courts), stream)
    return path


class PeakRss:
    """A process's largest resident set from now until stop(), sampled every 50 ms."""

    def __init__(self, process: psutil.Process) -> None:
        self._process = process
        self._peak: int = process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.05):
            self._peak = max(self._peak, self._process.memory_info().rss)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self._peak


def start_service_workers(env: dict[str, str], processes: int) -> subprocess.Popen[bytes]:
    """Start `courtdocs worker --processes N` for the installation, quiet, in a session of its own."""
    command = [sys.executable, "-m", "service", "worker", "--processes", str(processes)]
    return subprocess.Popen(command, env=env, **QUIET)  # type: ignore[call-overload, no-any-return]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    """Stop worker processes and everything they started (SIGTERM to each session), and wait."""
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=120)


def wait_for_workers(rt: Runtime, count: int, timeout: float = 300) -> None:
    """Wait until `count` rq workers have registered: each has loaded its renderer and is taking jobs."""
    deadline = time.monotonic() + timeout
    while Worker.count(connection=rt.redis) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} worker(s) did not start in {timeout:.0f} s")
        time.sleep(0.2)


def tree_cpu_seconds(root: psutil.Process) -> float:
    """CPU seconds (user and system) used so far by a process and every live process under it."""
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # gone since it was listed
        total += times.user + times.system
    return total
