"""What the court decided on a filing: the judge's signed order, and each count's outcome."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from service.errors import FieldError, InvalidInputError

EXCEPTIONS_HEADER = ("case_number", "count", "outcome")  # then an optional `note`


class Outcome(StrEnum):
    """What the order did with one count of the filing; a count the ruling does not name is granted."""

    GRANTED = "granted"
    DENIED = "denied"
    MODIFIED = "modified"  # granted in part or otherwise: the note says how
    NOT_FOUND = "not_found"  # the court found no such case or count


@dataclass(frozen=True)
class CountOutcome:
    """One line of a ruling's exceptions: a count of a case of the filing, and what the court did."""

    case_number: str
    count: int
    outcome: Outcome
    note: str = ""


@dataclass(frozen=True)
class Ruling:
    """A court's ruling on one court filing of a batch; an amended ruling has the next version."""

    batch_id: str
    court_code: str
    version: int  # 1, then 2... for an amended ruling, which supersedes the one before
    signed_on: date  # the day the judge signed the order: the disposition date
    judge: str | None
    order_sha256: str  # the signed order (a scan), stored beside the batch
    exceptions: tuple[CountOutcome, ...]  # every count not named here is granted as filed
    _by_count: dict[tuple[str, int], CountOutcome] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_count = {(e.case_number, e.count): e for e in self.exceptions}
        object.__setattr__(self, "_by_count", by_count)

    def outcome_of(self, case_number: str, count: int) -> CountOutcome:
        """Return what the ruling did with a count: its exception, or granted as filed."""
        found = self._by_count.get((case_number, count))
        return found if found is not None else CountOutcome(case_number, count, Outcome.GRANTED)

    def tally(self, counts: Iterable[tuple[str, int]]) -> dict[Outcome, int]:
        """Return how many of the filing's counts (case number, count) had each outcome, every outcome."""
        found = Counter(self.outcome_of(case, count).outcome for case, count in counts)
        return {outcome: found[outcome] for outcome in Outcome}


def content_digest(
    signed_on: date, judge: str | None, order_sha256: str, exceptions: Iterable[CountOutcome]
) -> str:
    """Return the hash that makes recording the same ruling twice one ruling (the order of lines aside)."""
    lines = sorted([e.case_number, e.count, e.outcome.value, e.note] for e in exceptions)
    content = {
        "signed_on": signed_on.isoformat(),
        "judge": judge or "",
        "order": order_sha256,
        "exceptions": lines,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def parse_exceptions(data: bytes) -> list[tuple[int, CountOutcome]]:
    """Read a ruling's exceptions, each with its line; InvalidInputError names every bad one."""
    exceptions, errors = read_exceptions(data)
    if errors:
        raise InvalidInputError(errors)
    return exceptions


def read_exceptions(data: bytes) -> tuple[list[tuple[int, CountOutcome]], list[FieldError]]:
    """Read a ruling's exceptions CSV (`case_number,count,outcome[,note]`, UTF-8, header required).

    Return the good lines, each with its line number, and an error for each bad line and field:
    no or another header, not UTF-8, a count that is not a whole number, an unknown outcome, a
    count named twice. Blank lines are skipped.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [_error(0, "encoding", f"is not UTF-8 (byte {error.start})")]
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(rows, [])]
    if tuple(header[:3]) != EXCEPTIONS_HEADER or header[3:] not in ([], ["note"]):
        wanted = ",".join(EXCEPTIONS_HEADER) + "[,note]"
        return [], [_error(1, "header", f"must be {wanted}, not {','.join(header)!r}")]
    errors: list[FieldError] = []
    found: dict[tuple[str, int], int] = {}
    exceptions = []
    for index, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed = _line(index, row, len(header), errors)
        if parsed is None:
            continue
        key = (parsed.case_number, parsed.count)
        if key in found:
            errors.append(_error(index, "count", f"case {key[0]} count {key[1]} is on line {found[key]} too"))
            continue
        found[key] = index
        exceptions.append((index, parsed))
    return exceptions, errors


def _line(index: int, row: list[str], width: int, errors: list[FieldError]) -> CountOutcome | None:
    if len(row) != width:
        errors.append(_error(index, "fields", f"has {len(row)} field(s), the header {width}"))
        return None
    case_number, count, outcome = (cell.strip() for cell in row[:3])
    note = row[3].strip() if width > 3 else ""
    problems = len(errors)
    if not case_number:
        errors.append(_error(index, "case_number", "is required"))
    if not count.isdigit() or int(count) < 1:
        errors.append(_error(index, "count", f"must be a count number (1, 2...), not {count!r}"))
    if outcome not in {o.value for o in Outcome}:
        known = ", ".join(o.value for o in Outcome)
        errors.append(_error(index, "outcome", f"must be one of {known}, not {outcome!r}"))
    if len(errors) > problems:
        return None
    return CountOutcome(case_number, int(count), Outcome(outcome), note)


def _error(line: int, path: str, message: str) -> FieldError:
    return FieldError(exceptions_line(line) if line else "exceptions", None, path, message)


def exceptions_line(line: int) -> str:
    """Return where a line of the exceptions CSV is, as an error names it."""
    return f"exceptions line {line}"
