"""The throughput benchmark (bench/throughput.py) runs end to end on a few decisions, so it cannot rot.

It asserts what the benchmark prints and that both designs published every document, never a time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from service.memory import release_large_allocations

REPO = Path(__file__).resolve().parent.parent
SMALL = ["--decisions", "12", "--baseline-decisions", "3", "--submit-decisions", "200"]
SMALL += ["--bundle-decisions", "50", "--previews", "5"]
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


@pytest.fixture(scope="module")
def printed() -> str:
    """Run the small benchmark once, as a person would from the repository's root."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "bench.throughput", *SMALL],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("design, decisions", [("courtdocs", 12), ("baseline", 3)])
def test_each_design_renders_every_document(printed: str, design: str, decisions: int) -> None:
    line = re.search(rf"^{design} +{decisions} decisions, +([0-9]+) documents in .*$", printed, re.MULTILINE)
    assert line, printed
    assert int(line.group(1)) >= 4 * decisions  # motion and order, PDF and DOCX, plus letters
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_workers_can_return_large_freed_blocks_to_the_system() -> None:
    assert release_large_allocations()
