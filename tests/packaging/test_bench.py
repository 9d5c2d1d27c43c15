"""The benchmarks run end to end on a few decisions, so they cannot rot.

They assert what the benchmarks print, that both designs of bench/throughput.py rendered every
per-case document with none failed, that bench/filing_cost.py filed the batch both ways, and
that bench/import_memory.py imported every row; never a time.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from service.render.memory import fix_mmap_threshold

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--decisions", "12", "--baseline-decisions", "3", "--submit-decisions", "200"]
SMALL += ["--bundle-decisions", "50", "--previews", "5"]
TINY_FILINGS = ["--decisions", "6", "--courts", "2", "--processes", "1", "--repeats", "1"]
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def run_bench(*args: str) -> str:
    """Run a benchmark as a person would from the repository's root; return what it printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    command = [sys.executable, "-m", *args]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True, **pipes) as bench:
        try:
            stdout, stderr = bench.communicate(timeout=900)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(bench.pid, signal.SIGKILL)  # its workers too, if it hung or was interrupted
    assert bench.returncode == 0, stderr[-3000:]
    return stdout


@pytest.fixture(scope="module")
def printed() -> str:
    """Run the small throughput benchmark once."""
    return run_bench("bench.throughput", *SMALL)


@pytest.mark.parametrize("design, decisions", [("courtdocs", 12), ("baseline", 3)])
def test_each_design_renders_every_document(printed: str, design: str, decisions: int) -> None:
    line = re.search(rf"^{design} +{decisions} decisions, +([0-9]+) documents in .*$", printed, re.MULTILINE)
    assert line, printed
    assert int(line.group(1)) == 4 * decisions  # filed per case: motion and order, PDF and DOCX
    assert line.group(0).endswith(", 0 failed"), line.group(0)
    for figure in ("convictions/s", "documents/s", "58,000 in", "peak worker"):
        assert re.search(rf"{NUMBER} {figure}|{figure} +{NUMBER}", line.group(0)), (figure, line.group(0))


def test_the_ratio_and_the_other_figures_are_printed(printed: str) -> None:
    expected = [
        rf"ratio \(courtdocs / baseline.*\): {NUMBER}x",
        r"filed per case \(motion and order per decision, PDF and DOCX: 4 documents a decision\), .*",
        rf"submission: 200 decisions validated, stored and queued in {NUMBER} s \(per case\)",
        rf"bundle \(per-case, documents linked\): 50 decisions published in {NUMBER} s, [+-]{NUMBER} MiB",
        rf"bundle \(omnibus, filing rendered\): 50 decisions published in {NUMBER} s, [+-]{NUMBER} MiB",
        rf"preview \(motion PDF over HTTP, warm\): median {NUMBER} ms, p95 {NUMBER} ms",
    ]
    for line in expected:
        assert re.search(f"^{line}$", printed, re.MULTILINE), (line, printed)


@pytest.fixture(scope="module")
def filing_cost() -> str:
    """Run the filing cost benchmark once at its smallest: one run of each mode, approvals included."""
    return run_bench("bench.filing_cost", *TINY_FILINGS)


@pytest.mark.parametrize("mode, documents", [("omnibus", 0), ("per-case", 24)])
def test_the_filing_cost_benchmark_files_the_batch_both_ways(
    filing_cost: str, mode: str, documents: int
) -> None:
    stage = rf"{NUMBER} s wall \({NUMBER} ms/decision\), {NUMBER} s worker CPU \({NUMBER} ms/decision\)"
    line = re.search(
        rf"^{mode} +run 1: drafts {stage}; ([0-9]+) per-case documents rendered by workers, 0 failed; "
        rf"bundles {NUMBER} MB, [1-9][0-9]* files, [1-9][0-9]* PDF pages; approval {stage}$",
        filing_cost,
        re.MULTILINE,
    )
    assert line, filing_cost
    assert int(line.group(1)) == documents  # omnibus: workers render nothing per case


def test_the_filing_cost_benchmark_prints_medians_and_ratios(filing_cost: str) -> None:
    figures = ["drafts: wall s", "drafts: wall ms/decision", "drafts: worker CPU ms/decision"]
    figures += ["draft bundles: MB", "draft bundles: files", "draft bundles: PDF pages"]
    figures += ["approval: wall ms/decision", "approval: worker CPU ms/decision"]
    for figure in figures:
        line = rf"{re.escape(figure)} +{NUMBER} +{NUMBER} +{NUMBER}x"
        assert re.search(f"^{line}$", filing_cost, re.MULTILINE), (figure, filing_cost)


def test_the_publication_memory_benchmark_publishes_every_court() -> None:
    printed = run_bench("bench.publish_memory", "--decisions", "12")
    courts = re.findall(
        rf"^LA-[A-Z]+: [1-9][0-9]* documents in {NUMBER} s .*; Python allocations peak {NUMBER} MiB; "
        rf"RSS {NUMBER} MiB before, peak \+{NUMBER} MiB$",
        printed,
        re.MULTILINE,
    )
    assert len(courts) == 3, printed


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_workers_can_fix_the_mmap_threshold() -> None:
    assert fix_mmap_threshold()


def test_the_import_memory_benchmark_prints_each_size_and_the_ratio() -> None:
    command = [sys.executable, "-m", "bench.import_memory", "--rows", "40", "--rows", "400"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    sizes = re.findall(
        rf"^ +([0-9]+) rows: ([0-9]+) decisions in {NUMBER} s \(traced, so slower\); "
        rf"Python allocations peak {NUMBER} MiB; RSS {NUMBER} MiB before, peak \+{NUMBER} MiB$",
        done.stdout,
        re.MULTILINE,
    )
    assert sizes == [("40", "20"), ("400", "200")], done.stdout
    ratio = rf"^ratio \(400 / 40 rows, 10x the rows\): Python allocations peak {NUMBER}x, "
    ratio += rf"RSS peak added {NUMBER}x$"
    assert re.search(ratio, done.stdout, re.MULTILINE), done.stdout
