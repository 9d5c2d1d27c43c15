"""What a court filing costs, omnibus beside per case: the same batch filed both ways in one run (issue 13).

    python -m bench.filing_cost --decisions 300 --courts 3 --processes 2 --repeats 3
    python -m bench.filing_cost --decisions 6 --courts 2 --processes 1 --repeats 1  # CI's size

The same sample decisions (seed 1) are filed OMNIBUS and PER_CASE, each time in a fresh
installation (SQLite and embedded Redis in a temporary folder) with the same number of worker
processes, alternating omnibus, per-case, omnibus, per-case... so that a slow spell of the shared
machine falls on both. Omnibus: workers render nothing per case; each court's publish job renders,
per basis, the omnibus motion (or response), the proposed order and Exhibit A in parts, with the
clerk import and the filing index. Per case: workers render a motion and an order per decision, in
PDF and DOCX (4 documents a decision), then each court is published.

Measured for each run, from the workers ready and idle:
- drafts: wall seconds from the submission until every court's DRAFT bundle is published, and
  the CPU seconds (user and system) the worker processes used meanwhile (psutil; the submission
  itself runs in this process and is in the wall time, not in the CPU);
- the draft bundles of all courts: bytes, files, and PDF pages (from each bundle's manifest);
- approval (unless --no-approve): wall and worker CPU seconds from approving every court's
  filing until every court's final, signed bundle is published (per case: motions and orders
  rendered again, signed; omnibus: the court's filing rendered again, signed).
Then the medians of each mode, per decision, and the ratio per-case / omnibus. The machine is
shared: compare ratios and medians, never one absolute time.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psutil

from bench.common import (
    installation,
    sample,
    start_service_workers,
    stop_workers,
    tree_cpu_seconds,
    wait_for_workers,
)
from service.bundle.layout import MANIFEST_CSV
from service.core.filing import FilingMode
from service.core.states import BatchState
from service.pipeline.approve import approve_filing
from service.pipeline.runtime import Runtime
from service.pipeline.status import BatchStatus, batch_status
from service.pipeline.submit import submit_file

MODES = (FilingMode.OMNIBUS, FilingMode.PER_CASE)  # the order of each repeat: A, B, A, B...
POLL_SECONDS = 0.25  # how often this process looks at the batch
# Someone made up to approve the filings: the benchmark stands in for the signing attorney.
SIGNER = {"name": "Bea Bench", "title": "Deputy District Attorney (benchmark)", "bar_number": "999998"}


@dataclass(frozen=True)
class Bundles:
    """The latest bundles of every court of a batch, together."""

    bytes: int
    files: int
    pages: int  # PDF pages of every file listed in the manifests


@dataclass(frozen=True)
class Stage:
    """One stage of a filing, until every court's bundle is published: drafts, or the signed filings."""

    seconds: float  # wall clock
    cpu_seconds: float  # the worker processes' user and system time
    bundles: Bundles


@dataclass(frozen=True)
class FilingRun:
    filing: FilingMode
    decisions: int
    documents: int  # per-case documents rendered by workers (0 for an omnibus filing)
    failed: int
    draft: Stage
    final: Stage | None


def measure_filing(
    decisions: int, courts: int, processes: int, filing: FilingMode, *, approve: bool
) -> FilingRun:
    """File the sample batch one way in a fresh installation; time its drafts, then its approval."""
    with installation() as (rt, env):
        path = sample(rt, decisions, courts=courts)
        pool = start_service_workers(env, processes)
        try:
            wait_for_workers(rt, processes)
            workers = psutil.Process(pool.pid)
            deadline = 120 + decisions * 5  # seconds: generous, to tell a hang from a slow run

            def submit() -> str:
                return submit_file(rt, path, filing=filing).batch_id

            batch_id, draft = _stage(rt, workers, submit, final=False, timeout=deadline)
            final = None
            if approve:

                def approve_all() -> str:
                    approve_filing(rt, batch_id, None, **SIGNER, email=None, actor="bench")
                    return batch_id

                final = _stage(rt, workers, approve_all, final=True, timeout=deadline)[1]
            report = batch_status(rt, batch_id)
        finally:
            stop_workers([pool])
    assert report is not None
    counts = report.documents
    return FilingRun(filing, decisions, counts.rendered, counts.failed, draft, final)


def _stage(
    rt: Runtime, workers: psutil.Process, start: Callable[[], str], *, final: bool, timeout: float
) -> tuple[str, Stage]:
    """Start a stage, wait until every court's bundle of the kind asked for is published; measure it."""
    cpu = tree_cpu_seconds(workers)
    started = time.monotonic()
    batch_id = start()
    while not _done(report := batch_status(rt, batch_id), final=final):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"batch {batch_id} was not published in {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
    seconds = time.monotonic() - started
    cpu_seconds = tree_cpu_seconds(workers) - cpu
    assert report is not None
    return batch_id, Stage(seconds, cpu_seconds, _bundles(rt, report))


def _done(report: BatchStatus | None, *, final: bool) -> bool:
    if report is None or report.state is not BatchState.PUBLISHED:
        return False
    bundles = [court.bundle for court in report.courts.values()]
    return all(bundle is not None and bundle.final is final for bundle in bundles)


def _bundles(rt: Runtime, report: BatchStatus) -> Bundles:
    total, files, pages = 0, 0, 0
    for court in report.courts.values():
        assert court.bundle is not None and court.bundle.path is not None
        total += court.bundle.bytes
        with zipfile.ZipFile(rt.settings.output_dir / court.bundle.path) as archive:
            text = archive.read(MANIFEST_CSV).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        files += len(rows)
        pages += sum(int(row["pages"]) for row in rows if row["format"] == "pdf" and row["pages"])
    return Bundles(total, files, pages)


def describe(run: FilingRun, number: int) -> str:
    """One run in a line."""
    line = (
        f"{run.filing.value:8} run {number}: drafts {_stage_text(run.draft, run.decisions)}; "
        f"{run.documents} per-case documents rendered by workers, {run.failed} failed; "
        f"bundles {run.draft.bundles.bytes / 1e6:.2f} MB, {run.draft.bundles.files} files, "
        f"{run.draft.bundles.pages} PDF pages"
    )
    if run.final:
        line += f"; approval {_stage_text(run.final, run.decisions)}"
    return line


def _stage_text(stage: Stage, decisions: int) -> str:
    return (
        f"{stage.seconds:.1f} s wall ({stage.seconds / decisions * 1000:.1f} ms/decision), "
        f"{stage.cpu_seconds:.1f} s worker CPU ({stage.cpu_seconds / decisions * 1000:.1f} ms/decision)"
    )


def _per_decision(seconds: float, run: FilingRun) -> float:
    return seconds / run.decisions * 1000


def _approval(run: FilingRun, figure: Callable[[Stage], float]) -> float | None:
    return None if run.final is None else _per_decision(figure(run.final), run)


FIGURES: list[tuple[str, Callable[[FilingRun], float | None]]] = [
    ("drafts: wall s", lambda run: run.draft.seconds),
    ("drafts: wall ms/decision", lambda run: _per_decision(run.draft.seconds, run)),
    ("drafts: worker CPU s", lambda run: run.draft.cpu_seconds),
    ("drafts: worker CPU ms/decision", lambda run: _per_decision(run.draft.cpu_seconds, run)),
    ("draft bundles: MB", lambda run: run.draft.bundles.bytes / 1e6),
    ("draft bundles: files", lambda run: run.draft.bundles.files),
    ("draft bundles: PDF pages", lambda run: run.draft.bundles.pages),
    ("approval: wall ms/decision", lambda run: _approval(run, lambda stage: stage.seconds)),
    ("approval: worker CPU ms/decision", lambda run: _approval(run, lambda stage: stage.cpu_seconds)),
]


def summary(runs: Sequence[FilingRun]) -> list[str]:
    """The median of each figure for each mode, and the ratio per-case / omnibus of the medians."""
    lines = [f"{'figure (median)':34} {'omnibus':>10} {'per-case':>10} {'per-case/omnibus':>17}"]
    for name, figure in FIGURES:
        medians = []
        for mode in MODES:
            values = [value for run in runs if run.filing is mode and (value := figure(run)) is not None]
            medians.append(statistics.median(values) if values else None)
        omnibus, per_case = medians
        if omnibus is None or per_case is None:
            continue
        ratio = f"{per_case / omnibus:.2f}x" if omnibus else "-"
        lines.append(f"{name:34} {_figure(omnibus):>10} {_figure(per_case):>10} {ratio:>17}")
    return lines


def _figure(value: float) -> str:
    return f"{value:.0f}" if value >= 100 or value == int(value) else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--courts", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="worker processes, the same for both")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each mode, interleaved")
    parser.add_argument("--no-approve", action="store_true", help="measure the drafts only")
    args = parser.parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    print(
        f"filing cost: {args.decisions} decisions, {args.courts} courts, {args.processes} worker "
        f"process(es), {args.repeats} run(s) of each filing mode, interleaved "
        + "/".join(mode.value for mode in MODES)
    )
    runs = []
    for repeat in range(1, args.repeats + 1):
        for mode in MODES:
            run = measure_filing(
                args.decisions, args.courts, args.processes, mode, approve=not args.no_approve
            )
            print(describe(run, repeat))
            runs.append(run)
    print("\n".join(summary(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
