"""The benchmarks (bench/throughput.py, publish_memory.py, import_memory.py) run small, so they cannot rot.

Each test asserts what its benchmark prints (for the throughput benchmark, also that both designs
rendered their documents with none failed), never a time.
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
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


@pytest.fixture(scope="module")
def printed() -> str:
    """Run the small benchmark once, as a person would from the repository's root."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    command = [sys.executable, "-m", "bench.throughput", *SMALL]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True, **pipes) as bench:
        try:
            stdout, stderr = bench.communicate(timeout=900)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(bench.pid, signal.SIGKILL)  # its workers too, if it hung or was interrupted
    assert bench.returncode == 0, stderr[-3000:]
    return stdout


@pytest.mark.parametrize("design, decisions", [("courtdocs", 12), ("baseline", 3)])
def test_each_design_renders_every_document(printed: str, design: str, decisions: int) -> None:
    line = re.search(rf"^{design} +{decisions} decisions, +([0-9]+) documents in .*$", printed, re.MULTILINE)
    assert line, printed
    assert int(line.group(1)) >= 4 * decisions  # rendered: motion and order, PDF and DOCX, plus letters
    assert line.group(0).endswith(", 0 failed"), line.group(0)
    for figure in ("convictions/s", "documents/s", "58,000 in", "peak worker"):
        assert re.search(rf"{NUMBER} {figure}|{figure} +{NUMBER}", line.group(0)), (figure, line.group(0))


def test_the_ratio_and_the_other_figures_are_printed(printed: str) -> None:
    expected = [
        rf"ratio \(courtdocs / baseline.*\): {NUMBER}x",
        rf"submission: 200 decisions validated, stored and queued in {NUMBER} s",
        rf"bundle: 50 decisions published in {NUMBER} s, [+-]{NUMBER} MiB",
        rf"preview \(motion PDF over HTTP, warm\): median {NUMBER} ms, p95 {NUMBER} ms",
    ]
    for line in expected:
        assert re.search(f"^{line}$", printed, re.MULTILINE), (line, printed)


def test_the_publication_memory_benchmark_publishes_every_court() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    command = [sys.executable, "-m", "bench.publish_memory", "--decisions", "12"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    courts = re.findall(
        rf"^LA-[A-Z]+: [1-9][0-9]* documents in {NUMBER} s .*; Python allocations peak {NUMBER} MiB; "
        rf"RSS {NUMBER} MiB before, peak \+{NUMBER} MiB$",
        done.stdout,
        re.MULTILINE,
    )
    assert len(courts) == 3, done.stdout


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
