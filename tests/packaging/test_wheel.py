"""The built wheel installs in a fresh virtual environment and works from any folder (.ci/wheel-test)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import SHARED

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "wheel-test"
WHEEL_TEST_TIMEOUT = 900  # seconds: building, installing the dependencies, a render and a demo (~1 min)


@pytest.mark.wheel
def test_the_wheel_installs_outside_the_checkout_and_renders_and_runs_the_demo(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(SCRIPT), "--wheel-dir", str(tmp_path), str(SHARED)],
        capture_output=True,
        text=True,
        timeout=WHEEL_TEST_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wheel-test: passed" in done.stdout
    assert len(list(tmp_path.glob("courtdocs-*.whl"))) == 1  # the wheel the script built and tested
