"""Small pieces every query module uses: the clock, lease conditions, chunked IN lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, or_

IN_CHUNK = 500  # identifiers per IN (...) query
T = TypeVar("T")


def now() -> datetime:
    """Return the current time, timezone-aware (UTC), as the database stores it."""
    return datetime.now(UTC)


def lapsed(lease_until: Any, at: datetime) -> Any:
    """A lease that nobody holds at `at`: never taken, or run out."""
    return or_(lease_until.is_(None), lease_until < at)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Queries:
    """Base of the query modules: each holds the engine and reads or writes one kind of record."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
