"""What the benchmarks share: a throwaway installation, sample decisions and a peak-memory sampler."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from service.core.sample import generate_decisions, write_jsonl
from service.db.migrate import upgrade
from service.pipeline.queue import shutdown_embedded
from service.pipeline.runtime import Runtime
from service.settings import Settings

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


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
