"""Long-lived rq workers in spawned processes: WeasyPrint, fonts and templates loaded once per process.

Kept instead of rq's own forking `Worker` (and `rq worker`), for measured reasons (docs/performance.md,
"The baseline"): a work horse forked per job imports the job's modules again (WeasyPrint,
SQLAlchemy, pydantic, python-docx: 1.1 s) and builds the renderer again (0.5 s) for a render of
0.1 to 0.15 s, which made 1.0 document per second on two processes against 17 to 22 here. Each
process runs rq's `SimpleWorker` (jobs in the process itself) and is spawned, not forked: it imports
WeasyPrint once and keeps it, and inherits no database or Redis connection, lock or thread of the
parent. Not a `multiprocessing.Pool` either: a worker lives until SIGTERM, finishes the job it
holds, and waits for Redis when Redis is gone.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
import time
from types import FrameType

from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from service.db.ready import prepare_database
from service.errors import CourtdocsError
from service.pipeline.dispatch import reconcile
from service.pipeline.queue import answers
from service.pipeline.runtime import Runtime
from service.render.memory import fix_mmap_threshold, release_freed_memory
from service.render.templating import Templates
from service.settings import Settings, get_settings
from service.worker.jobs import use_runtime

log = logging.getLogger("courtdocs.worker")
REDIS_BACKOFF = ExponentialBackoff(cap=15, base=0.5)  # waits between pings: 1, 2, 4, 8, then 15 s


class _Worker(SimpleWorker):
    """rq's SimpleWorker, remembering whether a signal asked it to stop (its loop also ends on errors)."""

    stop_requested = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run a job, then give back what it freed, so the next one starts from the same size."""
        try:
            super().execute_job(job, queue)
        finally:
            release_freed_memory()


def prepare(settings: Settings) -> Runtime:
    """Build the process's runtime and fail fast: schema, templates compiled, fonts loaded."""
    rt = Runtime(settings)
    prepare_database(rt.store.engine, upgrade_existing=False)  # an old schema: refuse, say why
    _ = rt.renderer  # a broken template or a missing font stops the worker here, not per job
    use_runtime(rt)
    return rt


def run_worker(settings: Settings, *, burst: bool) -> None:
    """Run one worker in this process until stopped (or, with burst, until the queue is empty)."""
    fix_mmap_threshold()
    rt = prepare(settings)
    reconcile(rt)
    stop = threading.Event()
    if not burst:
        threading.Thread(target=_reconcile_loop, args=(rt, stop), daemon=True, name="reconcile").start()
    try:
        while not _work(rt, burst=burst) and _redis_answers(rt, stop):
            log.warning("Redis answers again; the worker resumes")
    finally:
        stop.set()


def _work(rt: Runtime, *, burst: bool) -> bool:
    """Run rq's loop; return True when the worker is done for good (burst finished, or asked to stop).

    rq leaves its loop when Redis fails outside a blocking wait (during a job's bookkeeping).
    """
    worker = _Worker([rt.queue], connection=rt.redis, serializer=JSONSerializer)
    try:
        worker.work(burst=burst, logging_level="WARNING")
    except RedisError as error:
        log.warning("lost Redis (%s: %s)", type(error).__name__, error)
    return burst or worker.stop_requested


def _redis_answers(rt: Runtime, stop: threading.Event) -> bool:
    """Wait until Redis answers (True) or SIGTERM or SIGINT asks the worker to stop (False).

    The waits follow redis-py's backoff, but the loop is ours, not a redis-py Retry: Retry sleeps
    in time.sleep, which a signal does not cut short, while `stop.wait` ends as soon as the worker
    is asked to stop; each ping is tried once (`answers`), so a retrying client does not hold it up.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    failures = 1
    while not stop.wait(REDIS_BACKOFF.compute(failures)):
        if answers(rt.redis):
            return True
        failures = min(failures + 1, 64)  # the wait is capped long before; 2**1024 would overflow a float
    return False


def _reconcile_loop(rt: Runtime, stop: threading.Event) -> None:
    while not stop.wait(rt.settings.reconcile_interval):
        try:
            reconcile(rt)
        except Exception:
            log.exception("periodic reconcile failed; trying again in %d s", rt.settings.reconcile_interval)


def _child(burst: bool) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(processName)s %(name)s: %(message)s")
    try:
        run_worker(get_settings(), burst=burst)
    except CourtdocsError as error:
        log.error("worker stopped: %s", error)
        sys.exit(1)


def start_workers(processes: int, *, burst: bool) -> list[multiprocessing.process.BaseProcess]:
    """Start worker processes (spawned, not forked: each imports WeasyPrint once and keeps it)."""
    context = multiprocessing.get_context("spawn")
    children: list[multiprocessing.process.BaseProcess] = [
        context.Process(target=_child, args=(burst,), name=f"worker-{n + 1}") for n in range(processes)
    ]
    for child in children:
        child.start()
    return children


def stop_workers(children: list[multiprocessing.process.BaseProcess], timeout: float = 60.0) -> None:
    """Ask workers to finish their current job and stop (SIGTERM), then wait for them."""
    for child in children:
        if child.is_alive() and child.pid:
            child.terminate()
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(deadline - time.monotonic(), 0.1))
        if child.is_alive():
            child.kill()
            child.join()


def run_pool(processes: int, *, burst: bool) -> int:
    """Run workers until they stop; SIGTERM or Ctrl-C stops them gracefully. Return the exit status.

    A broken template raises TemplateError before any worker starts.
    """
    Templates(get_settings().templates_dir).compile_all()  # refuse a broken deployment at once
    children = start_workers(processes, burst=burst)

    def _forward(signum: int, _frame: FrameType | None) -> None:
        stop_workers(children)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    for child in children:
        child.join()
    # A worker killed by a signal has a negative exit code: report it as a failure, never as 0.
    return max((abs(child.exitcode or 0) for child in children), default=0)
