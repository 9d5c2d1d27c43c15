"""Run the pipeline the way an operator does: real worker processes, real Redis, a real database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.core.sample import generate_decisions, write_jsonl
from service.core.states import BatchState
from service.db.migrate import upgrade
from service.pipeline.queue import shutdown_embedded
from service.pipeline.runtime import Runtime
from service.pipeline.status import batch_status
from service.settings import Settings


@dataclass
class Pipeline:
    """One isolated installation: an output folder, a database, Redis (embedded or real)."""

    env: dict[str, str]
    output: Path
    _runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def runtime(self) -> Runtime:
        """Return this installation's runtime (one per test, closed by close())."""
        if self._runtime is None:
            self._runtime = Runtime(self.settings)
            upgrade(self._runtime.store.engine)
        return self._runtime

    def close(self) -> None:
        """Release connections and stop this installation's embedded Redis, if it started one."""
        if self._runtime is not None:
            if "redis" in self._runtime.__dict__:
                shutdown_embedded(self._runtime.redis, self._runtime.settings)
            self._runtime.close()
            self._runtime = None

    def courtdocs(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "service", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode:
            raise AssertionError(f"courtdocs {args[0]} exited {result.returncode}: {result.stderr[-3000:]}")
        return result

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        """Start a worker in a process group of its own, so a test can kill it with all its children."""
        return subprocess.Popen(
            [sys.executable, "-m", "service", "worker", *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def serve(self, port: int) -> subprocess.Popen[bytes]:
        """Start `courtdocs serve` on 127.0.0.1:port (the caller terminates it)."""
        return subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def sample_file(self, decisions: int, *, courts: int = 3, seed: int = 7) -> Path:
        path = self.output / f"sample-{decisions}-{courts}-{seed}.jsonl"
        with path.open("w", encoding="utf-8") as stream:
            write_jsonl(generate_decisions(decisions, seed=seed, courts=courts), stream)
        return path


def is_published(pipeline: Pipeline, batch_id: str) -> bool:
    """Return whether every court bundle of the batch is published."""
    report = batch_status(pipeline.runtime(), batch_id)
    return report is not None and report.state is BatchState.PUBLISHED


def make_pipeline(
    output: Path, *, database_url: str | None = None, redis_url: str | None = None, **extra: str
) -> Pipeline:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["COURTDOCS_OUTPUT_DIR"] = str(output)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    output.mkdir(parents=True, exist_ok=True)
    return Pipeline(env, output)


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Send a signal to a worker and every process it started."""
    os.killpg(process.pid, sig)
    process.wait(timeout=60)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.3)


def bundle_entries(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def manifest_of(path: Path) -> dict[str, Any]:
    import json

    with zipfile.ZipFile(path) as archive:
        manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
        return manifest
