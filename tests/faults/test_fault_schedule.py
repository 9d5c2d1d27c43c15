"""A seeded random schedule of faults over one batch; `courtdocs check` must pass after each run.

The schedule (which fault, which worker, how long between faults) comes from the seed, so a
failing seed replays the same decisions; where in a job each fault lands depends on timing.
CI runs one short schedule; `pytest --slow` runs several seeds over a few hundred decisions.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.fault_helpers import (
    PER_CASE,
    Workers,
    assert_check_passes,
    embedded_installation,
    submit,
    wait_published,
    workers_of,
)
from tests.pipeline_helpers import Pipeline, is_published

pytestmark = pytest.mark.faults
WORKERS = 2  # worker processes kept running between faults


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Pipeline]:
    with embedded_installation(tmp_path / "out") as installation:
        yield installation


def kill(workers: Workers, rng: random.Random) -> str:
    """SIGKILL one worker mid-whatever-it-does, and start another."""
    victim = rng.choice(workers.running)
    workers.signal(victim, signal.SIGKILL)
    workers.start("--processes", "1")
    return f"SIGKILL worker {victim.pid}"


def terminate(workers: Workers, rng: random.Random) -> str:
    """SIGTERM one worker (it finishes its job first), and start another."""
    victim = rng.choice(workers.running)
    workers.signal(victim, signal.SIGTERM)
    workers.start("--processes", "1")
    return f"SIGTERM worker {victim.pid}"


def flush_redis(workers: Workers, rng: random.Random) -> str:
    """Lose every queued job, as a Redis restarted without persistence does."""
    workers.pipeline.runtime().redis.flushdb()
    return "Redis flushed"


def restart_all(workers: Workers, rng: random.Random) -> str:
    """Stop every worker (SIGTERM) and start fresh ones, as a deployment does."""
    workers.stop_all()
    for _ in range(WORKERS):
        workers.start("--processes", "1")
    return "all workers restarted"


FAULTS: list[Callable[[Workers, random.Random], str]] = [kill, kill, terminate, flush_redis, restart_all]


def run_schedule(pipeline: Pipeline, seed: int, decisions: int, faults: int) -> tuple[str, list[str]]:
    """Submit a per-case batch, inject `faults` faults chosen by the seed, and wait for it to finish.

    Per case, so that faults land in render jobs as well as publications (an omnibus batch has
    only its courts' publications: test_faults.py kills an omnibus publisher on purpose).
    """
    rng = random.Random(seed)
    batch_id = submit(pipeline, pipeline.sample_file(decisions, courts=3, seed=seed), *PER_CASE)
    applied: list[str] = []
    with workers_of(pipeline) as workers:
        for _ in range(WORKERS):
            workers.start("--processes", "1")
        for _ in range(faults):
            time.sleep(rng.uniform(2.0, 6.0))
            if is_published(pipeline, batch_id):
                break
            applied.append(rng.choice(FAULTS)(workers, rng))
        wait_published(pipeline, batch_id, timeout=120 + decisions * 4)
    return batch_id, applied


def test_a_short_random_fault_schedule_keeps_the_promise(embedded: Pipeline) -> None:
    batch_id, applied = run_schedule(embedded, seed=1, decisions=40, faults=5)
    print(f"seed 1: {applied}")
    assert applied, "the batch finished before any fault was injected"
    assert_check_passes(embedded, batch_id)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3, 4])
def test_random_fault_schedules_over_a_few_hundred_decisions_keep_the_promise(
    embedded: Pipeline, seed: int
) -> None:
    batch_id, applied = run_schedule(embedded, seed=seed, decisions=200, faults=16)
    print(f"seed {seed}: {applied}")
    assert len(applied) >= 8
    assert_check_passes(embedded, batch_id)
