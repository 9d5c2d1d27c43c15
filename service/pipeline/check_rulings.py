"""What `courtdocs check` asks of a batch's rulings: each for a final filing, its files unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.bundle.manifest import file_digest
from service.db.store import Store


@dataclass(frozen=True)
class RulingFacts:
    """One recorded ruling version: what the database says, and what its files hold now."""

    court_code: str
    version: int
    order_path: str
    order_recorded: tuple[str, int]  # the signed order's SHA-256 and size when it was recorded
    order_actual: tuple[str, int] | None  # None: the file is missing
    clerk_import_path: str
    clerk_import_recorded: str
    clerk_import_actual: str | None


def gather_rulings(store: Store, output_dir: Path, batch_id: str) -> list[RulingFacts]:
    """Read every ruling of a batch and hash its stored files."""
    return [
        RulingFacts(
            court_code=row.court_code,
            version=row.version,
            order_path=row.order_path,
            order_recorded=(row.order_sha256, row.order_bytes),
            order_actual=_digest(output_dir / row.order_path),
            clerk_import_path=row.clerk_import_path,
            clerk_import_recorded=row.clerk_import_sha256,
            clerk_import_actual=(
                found[0] if (found := _digest(output_dir / row.clerk_import_path)) else None
            ),
        )
        for versions in store.rulings.of_batch(batch_id).values()
        for row in versions
    ]


def ruling_problems(rulings: list[RulingFacts], final_courts: set[str]) -> list[str]:
    """A ruling is only for a final filing; its signed order and clerk import are what was recorded."""
    problems = []
    for ruling in rulings:
        name = f"ruling v{ruling.version} of {ruling.court_code}"
        if ruling.court_code not in final_courts:
            problems.append(
                f"{name}: recorded for a filing that is not final (approved and published signed)"
            )
        if ruling.order_actual is None:
            problems.append(f"{name}: its signed order {ruling.order_path} is missing")
        elif ruling.order_actual != ruling.order_recorded:
            problems.append(f"{name}: its signed order {ruling.order_path} changed since it was recorded")
        if ruling.clerk_import_actual is None:
            problems.append(f"{name}: its clerk import {ruling.clerk_import_path} is missing")
        elif ruling.clerk_import_actual != ruling.clerk_import_recorded:
            problems.append(
                f"{name}: its clerk import {ruling.clerk_import_path} changed since it was written"
            )
    return problems


def _digest(path: Path) -> tuple[str, int] | None:
    return file_digest(path) if path.is_file() else None
