"""Long-lived rq workers: WeasyPrint, fonts and templates loaded once per process; no fork per job."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from types import FrameType

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from service.jobs import reconcile
from service.runtime import Runtime, use_runtime
from service.settings import Settings, get_settings

log = logging.getLogger("courtdocs.worker")


def prepare(settings: Settings) -> Runtime:
    """Build the process's runtime and fail fast: schema, templates compiled, fonts loaded."""
    rt = Runtime(settings)
    rt.store.create_schema()
    _ = rt.renderer  # a broken template or a missing font stops the worker here, not per job
    use_runtime(rt)
    return rt


def run_worker(settings: Settings, *, burst: bool) -> None:
    """Run one worker in this process until stopped (or, with burst, until the queue is empty)."""
    rt = prepare(settings)
    reconcile(rt)
    stop = threading.Event()
    if not burst:
        threading.Thread(target=_reconcile_loop, args=(rt, stop), daemon=True, name="reconcile").start()
    worker = SimpleWorker([rt.queue], connection=rt.redis, serializer=JSONSerializer)
    try:
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()


def _reconcile_loop(rt: Runtime, stop: threading.Event) -> None:
    while not stop.wait(rt.settings.reconcile_interval):
        try:
            reconcile(rt)
        except Exception:
            log.exception("periodic reconcile failed; trying again in %d s", rt.settings.reconcile_interval)


def _child(burst: bool) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(processName)s %(name)s: %(message)s")
    run_worker(get_settings(), burst=burst)


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
    """Run workers until they stop; SIGTERM or Ctrl-C stops them gracefully. Return the exit status."""
    children = start_workers(processes, burst=burst)

    def _forward(signum: int, _frame: FrameType | None) -> None:
        stop_workers(children)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    for child in children:
        child.join()
    # A worker killed by a signal has a negative exit code: report it as a failure, never as 0.
    return max((abs(child.exitcode or 0) for child in children), default=0)
