"""Throughput of the Los Angeles workload, side by side with the obvious implementation (issue 5).

    python -m bench.throughput     # from the repository's root: 1,000 decisions, baseline on 100
    python -m bench.throughput --decisions 12 --baseline-decisions 3 --submit-decisions 200 \\
        --bundle-decisions 50 --previews 5        # the small version CI runs (tests/packaging/test_bench.py)

Both designs file the batch PER CASE: a motion and an order for every decision, in PDF and DOCX
(4 documents a decision), rendered by workers and then published per court. That is what the
baseline does (one job per document of the documents table), so the comparison is of the same
documents. An omnibus filing has no per-case documents; its cost beside per-case filing is
measured by bench/filing_cost.py.

Everything runs for real: embedded Redis and SQLite in a temporary folder, worker
processes, bundles. Prints conversions per second for both designs and their ratio (measured in
this run: the machine is shared, so compare ratios, not absolute times), the projection for
58,000 convictions, peak memory per worker, submission speed, bundle building time and memory
(per case and omnibus), and preview latency over HTTP from a warm server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass

import psutil

from bench.baseline import BASELINE_WORKER, enqueue_one_job_per_document
from bench.bundle_build import measure_bundle
from bench.common import (
    COMPARED_FILING,
    MIB,
    QUIET,
    REPO,
    installation,
    sample,
    start_service_workers,
    stop_workers,
)
from service.core.filing import FilingMode
from service.core.sample import generate_decisions
from service.core.states import BatchState
from service.pipeline.runtime import Runtime
from service.pipeline.status import DocumentCounts, batch_status
from service.pipeline.submit import submit_file

LA_CONVICTIONS = 58_000


@dataclass
class Run:
    design: str
    decisions: int
    documents: int  # rendered; a failed document is not output and is counted apart
    failed: int
    seconds: float
    peak_worker_mib: float

    @property
    def per_second(self) -> float:
        return self.decisions / self.seconds


def describe(run: Run) -> str:
    hours = LA_CONVICTIONS / run.per_second / 3600
    return (
        f"{run.design:10} {run.decisions:6} decisions, {run.documents:6} documents in {run.seconds:7.1f} s: "
        f"{run.per_second:6.2f} convictions/s, {run.documents / run.seconds:6.2f} documents/s, "
        f"58,000 in {hours:5.2f} h, peak worker {run.peak_worker_mib:.0f} MiB, {run.failed} failed"
    )


def run_pipeline(decisions: int, processes: int, *, baseline: bool) -> Run:
    """Render and publish a per-case batch with the service's workers, or with the baseline's."""
    with installation() as (rt, env):
        batch_id = submit_file(rt, sample(rt, decisions), filing=COMPARED_FILING).batch_id
        if baseline:
            rt.queue.empty()  # type: ignore[no-untyped-call]  # the baseline queues its own jobs
            enqueue_one_job_per_document(rt.settings, batch_id)
        started = time.monotonic()
        workers = _start_workers(rt, env, processes, baseline=baseline)
        peak = _PeakMemory(workers)
        deadline = started + 120 + decisions * (30 if baseline else 5)  # generous: a hang, not a slow run
        try:
            while not _published(rt, batch_id):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {decisions}-decision batch was not published in time")
                time.sleep(0.5)
        finally:
            elapsed = time.monotonic() - started
            peak.stop()
            stop_workers(workers)
        report = batch_status(rt, batch_id)
        counts = report.documents if report else DocumentCounts()
        design = "baseline" if baseline else "courtdocs"
        return Run(design, decisions, counts.rendered, counts.failed, elapsed, peak.mib)


def _published(rt: Runtime, batch_id: str) -> bool:
    report = batch_status(rt, batch_id)
    return report is not None and report.state is BatchState.PUBLISHED


def _start_workers(
    rt: Runtime, env: dict[str, str], processes: int, *, baseline: bool
) -> list[subprocess.Popen[bytes]]:
    if not baseline:
        return [start_service_workers(env, processes)]
    url = f"unix://{rt.redis.connection_pool.connection_kwargs['path']}"  # the embedded Redis
    rq = [
        shutil.which("rq") or "rq",
        "worker",
        "courtdocs",
        "--url",
        url,
        "--serializer",
        "rq.serializers.JSONSerializer",
        "--worker-class",
        BASELINE_WORKER,
    ]
    return [subprocess.Popen(rq, env=env, **QUIET) for _ in range(processes)]  # type: ignore[call-overload]


class _PeakMemory:
    """Samples the resident memory of every process under the workers; keeps the largest one seen."""

    def __init__(self, workers: list[subprocess.Popen[bytes]]) -> None:
        self.roots = [psutil.Process(worker.pid) for worker in workers]
        self.mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for root in self.roots:
                try:
                    for process in [root, *root.children(recursive=True)]:
                        self.mib = max(self.mib, process.memory_info().rss / MIB)
                except psutil.Error:
                    continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measure_submission(decisions: int) -> float:
    """Seconds to validate, store and queue a file of this many decisions, filed per case.

    Per case is the heavier submission: four document rows a decision stored and their jobs queued.
    """
    with installation() as (rt, _env):
        path = sample(rt, decisions)
        started = time.monotonic()
        submit_file(rt, path, filing=COMPARED_FILING)
        return time.monotonic() - started


def measure_previews(count: int) -> list[float]:
    """Seconds for each motion PDF preview over HTTP from a warm server (after five warm-ups)."""
    from service.db.accounts import Accounts, Role

    with installation() as (rt, env):
        accounts = Accounts(rt.store)
        accounts.add_user("bench", Role.ATTORNEY, [], None)
        token = accounts.create_token("bench")[1]
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            body = json.dumps(next(generate_decisions(1, seed=3))).encode()
            url = f"http://127.0.0.1:{port}/api/v1/preview?doc=motion&format=pdf"
            _wait_until_up(f"http://127.0.0.1:{port}/login")
            timings = [_post(url, body, token) for _ in range(count + 5)]
            return timings[5:]
        finally:
            server.terminate()
            server.wait(timeout=30)


def _post(url: str, body: bytes, token: str) -> float:
    request = urllib.request.Request(
        url, data=body, headers={"authorization": f"Bearer {token}", "content-type": "application/json"}
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.monotonic() - started


def _wait_until_up(url: str) -> None:
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--decisions", type=int, default=1000, help="decisions through the service's pipeline"
    )
    parser.add_argument("--baseline-decisions", type=int, default=100, help="decisions through the baseline")
    parser.add_argument("--processes", type=int, default=2, help="worker processes for both designs")
    parser.add_argument("--submit-decisions", type=int, default=10_000)
    parser.add_argument("--bundle-decisions", type=int, default=10_000)
    parser.add_argument("--previews", type=int, default=50)
    args = parser.parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # each figure as soon as it is measured, also in a log
    machine = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores, {machine}, Python {platform.python_version()}")
    print(
        "filed per case (motion and order per decision, PDF and DOCX: 4 documents a decision), "
        "as the baseline renders them"
    )
    ours = run_pipeline(args.decisions, args.processes, baseline=False)
    print(describe(ours))
    base = run_pipeline(args.baseline_decisions, args.processes, baseline=True)
    print(describe(base))
    ratio = ours.per_second / base.per_second
    print(f"ratio (courtdocs / baseline, convictions per second, same run): {ratio:.1f}x")
    seconds = measure_submission(args.submit_decisions)
    print(
        f"submission: {args.submit_decisions} decisions validated, stored and queued in {seconds:.1f} s "
        "(per case)"
    )
    for filing, what in [(FilingMode.PER_CASE, "documents linked"), (FilingMode.OMNIBUS, "filing rendered")]:
        took, mib = measure_bundle(args.bundle_decisions, filing)
        print(
            f"bundle ({filing.value}, {what}): {args.bundle_decisions} decisions published "
            f"in {took:.1f} s, {mib:+.0f} MiB"
        )
    timings = sorted(measure_previews(args.previews))
    median, p95 = statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"preview (motion PDF over HTTP, warm): median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
