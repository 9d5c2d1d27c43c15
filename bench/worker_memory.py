"""Worker memory over a whole batch: does a long-lived worker stay flat, and what does publishing add?

Runs the real pipeline (embedded Redis and SQLite in a temporary folder, real worker processes),
samples the resident memory of every worker process every second, and prints it at each tenth of
the batch and while the bundles are built.

The batch is filed per case by default (workers render a motion and an order per decision, PDF
and DOCX; letters are no longer rendered with a filing), which is what "rendering" measures.
With --filing omnibus workers render no per-case documents: every court is published at once (its
omnibus filing and Exhibit A rendered by the publish job), and progress counts published courts.

    python -m bench.worker_memory --decisions 2000 --processes 2
    python -m bench.worker_memory --decisions 2000 --filing omnibus
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import psutil

from bench.common import COMPARED_FILING, MIB, REPO, installation, sample
from service.core.filing import FilingMode
from service.core.states import BatchState
from service.pipeline.runtime import Runtime
from service.pipeline.status import batch_status

SAMPLE_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--courts", type=int, default=3)
    parser.add_argument(
        "--filing", choices=[mode.value for mode in FilingMode], default=COMPARED_FILING.value
    )
    args = parser.parse_args()

    with installation() as (rt, env):
        path = sample(rt, args.decisions, courts=args.courts)
        command = [sys.executable, "-m", "service"]
        batch_id = subprocess.run(
            [*command, "submit", "--filing", args.filing, str(path)],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        started = time.monotonic()
        pool = subprocess.Popen(
            [*command, "worker", "--processes", str(args.processes)],
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
        try:
            samples = _sample_until_published(rt, batch_id, pool.pid)
        finally:
            os.killpg(pool.pid, signal.SIGTERM)
            pool.wait(timeout=120)
        elapsed = time.monotonic() - started
    _report(samples, args, elapsed)
    return 0


def _sample_until_published(
    rt: Runtime, batch_id: str, pool_pid: int
) -> list[tuple[float, str, list[float]]]:
    """Return (fraction done, phase, RSS MiB of each worker) once a second.

    The fraction is of documents, or of courts published when the batch has no documents (omnibus).
    """
    samples = []
    while True:
        report = batch_status(rt, batch_id)
        assert report is not None
        if report.documents.total:
            done = report.documents.done / report.documents.total
        else:  # an omnibus batch: nothing but publications
            done = report.published_courts / len(report.courts)
        phase = "publishing" if done >= 1 or not report.documents.total else "rendering"
        pool = psutil.Process(pool_pid)
        workers = [w for w in pool.children() if "spawn_main" in " ".join(w.cmdline())] or [pool]
        samples.append((done, phase, [w.memory_info().rss / MIB for w in workers]))
        if report.state is BatchState.PUBLISHED:
            return samples
        time.sleep(SAMPLE_SECONDS)


def _report(samples: list[tuple[float, str, list[float]]], args: argparse.Namespace, elapsed: float) -> None:
    print(
        f"{args.decisions} decisions, {args.courts} courts, filed {args.filing}, "
        f"{args.processes} worker process(es), {elapsed:.0f} s"
    )
    print("progress  phase       RSS per worker (MiB)")
    shown = set()
    for done, phase, rss in samples:
        tenth = min(int(done * 10), 10)
        key = (tenth, phase)
        if key in shown or not rss:
            continue
        shown.add(key)
        print(f"{done:7.0%}  {phase:10}  " + "  ".join(f"{value:6.1f}" for value in rss))
    rendering = [max(rss) for done, phase, rss in samples if phase == "rendering" and rss and done >= 0.1]
    publishing = [max(rss) for _, phase, rss in samples if phase == "publishing" and rss]
    if rendering:
        first, last = rendering[0], rendering[-1]
        growth = last - first
        print(
            f"rendering: max worker RSS {first:.1f} MiB at 10% -> {last:.1f} MiB at 100% ({growth:+.1f} MiB)"
        )
    if publishing and rendering:
        peak = max(publishing)
        print(f"publishing: peak worker RSS {peak:.1f} MiB ({peak - rendering[-1]:+.1f} MiB over rendering)")
    elif publishing:  # omnibus: nothing rendered before the publications
        print(f"publishing: peak worker RSS {max(publishing):.1f} MiB (no per-case documents rendered)")


if __name__ == "__main__":
    sys.exit(main())
