"""What the court decided on a filing: the judge's signed order, and each count's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


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

    def outcome_of(self, case_number: str, count: int) -> CountOutcome:
        """Return what the ruling did with a count: its exception, or granted as filed."""
        for exception in self.exceptions:
            if (exception.case_number, exception.count) == (case_number, count):
                return exception
        return CountOutcome(case_number, count, Outcome.GRANTED)
