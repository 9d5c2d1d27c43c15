"""Shared test helpers: where shared/ is, and fresh copies of its example decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# CI clones the repository next to shared/, as developers have it.
SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLES = SHARED / "examples"
EXAMPLE_DECISION = EXAMPLES / "decision.json"
SAMPLE_BATCH = EXAMPLES / "sample-batch.jsonl"


def example_decision() -> dict[str, Any]:
    """Return a fresh, mutable copy of shared/examples/decision.json."""
    value: dict[str, Any] = json.loads(EXAMPLE_DECISION.read_text(encoding="utf-8"))
    return value


@pytest.fixture
def decision() -> dict[str, Any]:
    """Provide a fresh copy of the example decision, to change one field of."""
    return example_decision()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", help="also run tests marked slow (long fault schedules, huge files)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked slow unless --slow is given: CI runs their short variants only."""
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
