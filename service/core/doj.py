"""The DOJ disposition report's data: its fields, each count's disposition, and when it is due.

After the judge signs, the court reports each disposition to the Department of Justice within 30
days (Penal Code 13151: with the CII number and the court's docket number, in the format DOJ
prescribes; PC 13151.1: a dismissal states its reason). DOJ publishes no electronic format, so
the file's columns come from a mapping (`core/doj_mapping.py`) over the fields named here, and
`bundle/doj_report.py` writes it. docs/doj-report.md says what was assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from service.core.models import Basis, Level, Relief
from service.core.ruling import Outcome

REPORT_DAYS = 30  # PC 13151: "within 30 days" of the order, counted in calendar days


class Disposition(StrEnum):
    """What the order did with one count, as the report states it (its value is the mapping's key)."""

    DISMISSED_AND_SEALED = "dismissed_and_sealed"
    REDUCED_TO_MISDEMEANOR = "reduced_to_misdemeanor"
    REDUCED_TO_INFRACTION = "reduced_to_infraction"
    SENTENCE_RECALLED = "sentence_recalled"
    DENIED = "denied"
    NOT_FOUND = "not_found"
    MODIFIED = "modified"


# The words a report uses for each disposition unless its mapping's [dispositions] says otherwise.
DISPOSITION_TEXT = {
    Disposition.DISMISSED_AND_SEALED: "DISMISSED AND SEALED",
    Disposition.REDUCED_TO_MISDEMEANOR: "REDUCED TO MISDEMEANOR",
    Disposition.REDUCED_TO_INFRACTION: "REDUCED TO INFRACTION",
    Disposition.SENTENCE_RECALLED: "SENTENCE RECALLED FOR RESENTENCING",
    Disposition.DENIED: "RELIEF DENIED",
    Disposition.NOT_FOUND: "CASE OR COUNT NOT FOUND",
    Disposition.MODIFIED: "MODIFIED",
}

_GRANTED = {
    Relief.DISMISS_AND_SEAL: Disposition.DISMISSED_AND_SEALED,
    Relief.REDESIGNATE_MISDEMEANOR: Disposition.REDUCED_TO_MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION: Disposition.REDUCED_TO_INFRACTION,
    Relief.RESENTENCE: Disposition.SENTENCE_RECALLED,
}
_NOT_GRANTED = {
    Outcome.DENIED: Disposition.DENIED,
    Outcome.NOT_FOUND: Disposition.NOT_FOUND,
    Outcome.MODIFIED: Disposition.MODIFIED,
}


def disposition_of(outcome: Outcome, relief: Relief) -> Disposition:
    """Return the disposition of a count: its relief when granted, else what the court did instead."""
    return _GRANTED[relief] if outcome is Outcome.GRANTED else _NOT_GRANTED[outcome]


def dismissal_reason(basis: Basis) -> str:
    """Return the reason a Prop 64 dismissal states (PC 13151.1): the statute it was granted under.

    None of PC 13151.1's listed reasons (PC 1385, 871, 995, ...) is a Prop 64 dismissal, so the
    reason names the statute itself, as the statute's own labels do (docs/doj-report.md).
    """
    section = basis.value.removeprefix("HSC ")
    return f"Dismissed and sealed under Health and Safety Code section {section} (Proposition 64)"


def new_status(disposition: Disposition, level: Level, note: str) -> str:
    """Return the count's level or status after the order (a denied count keeps its level)."""
    if disposition is Disposition.MODIFIED:
        return note.upper() if note else "AS MODIFIED BY THE ORDER"
    return _NEW_STATUS.get(disposition) or level.value.upper()


_NEW_STATUS = {
    Disposition.DISMISSED_AND_SEALED: "DISMISSED AND SEALED",
    Disposition.REDUCED_TO_MISDEMEANOR: Level.MISDEMEANOR.value.upper(),
    Disposition.REDUCED_TO_INFRACTION: Level.INFRACTION.value.upper(),
    Disposition.SENTENCE_RECALLED: "SENTENCE RECALLED; TO BE RESENTENCED",
    Disposition.NOT_FOUND: "NO SUCH CASE OR COUNT",
}


# The fields a mapping may name, each with what it holds (docs/doj-report.md lists them too).
FIELDS: dict[str, str] = {
    "cii": "the person's CII number (blank when the decision has none)",
    "court_code": "the court's code (decision/v1 court.code)",
    "court_name": "the court's name",
    "case_number": "the court's docket (case) number",
    "count": "the count number",
    "code": "the code of the count's section (HSC)",
    "section": "the count's section, e.g. 11357(b)",
    "code_section": "code and section, e.g. HSC 11357(b)",
    "conviction_date": "the date of conviction",
    "level_before": "the count's level before the order: FELONY, MISDEMEANOR or INFRACTION",
    "relief": "the relief asked for (decision/v1 counts[].relief)",
    "outcome": "what the order did with the relief asked: granted, denied, modified or not_found",
    "disposition": "the disposition in words (the mapping's [dispositions] may rename each)",
    "disposition_code": "the disposition's key, e.g. dismissed_and_sealed",
    "disposition_date": "the day the judge signed the order",
    "new_level": "the level or status after the order",
    "reason": "the reason a dismissal states (PC 13151.1); blank for any other disposition",
    "basis": "the statute the relief was asked under: HSC 11361.8 or HSC 11361.9",
    "note": "the court's note on an exception (denied, modified, not found)",
    "ruling_version": "the ruling's version: 1, or 2 and up for an amended ruling",
    "decision_id": "the decision's id in courtdocs",
    "person_name": "the person's name (only written when the mapping names it)",
    "person_dob": "the person's date of birth (only written when the mapping names it)",
}
DATE_FIELDS = frozenset({"conviction_date", "disposition_date", "person_dob"})


@dataclass(frozen=True, slots=True)
class DojRow:
    """One line of the report: one count of one case, as the order disposed of it."""

    case_number: str
    count: int
    values: dict[str, str | date]  # by field name (FIELDS); dates stay dates until a mapping formats them


# -- when the report is due ---------------------------------------------------------------------------


def report_due(signed_on: date) -> date:
    """Return the last day the report may reach DOJ: 30 calendar days after the order is signed."""
    return signed_on + timedelta(days=REPORT_DAYS)


def days_left(signed_on: date, today: date) -> int:
    """Return the days from today to the due date: 0 on the day it is due, negative once overdue."""
    return (report_due(signed_on) - today).days


def is_overdue(signed_on: date, today: date) -> bool:
    """Return whether the due date has passed (the due date itself is still in time)."""
    return days_left(signed_on, today) < 0


@dataclass(frozen=True)
class ReportDeadline:
    """What `status` shows of a court's DOJ report: when it is due and where it stands."""

    due_on: date
    days_left: int  # negative: days overdue
    reported_on: date | None

    @property
    def overdue(self) -> bool:
        """Return whether the report is late: not reported by the due date, or reported after it."""
        if self.reported_on is not None:
            return self.reported_on > self.due_on
        return self.days_left < 0

    def describe(self) -> str:
        """Return the line `status` prints, e.g. "due 2024-07-01: 5 days left"."""
        due = f"due {self.due_on.isoformat()}"
        if self.reported_on is not None:
            late = " (late)" if self.overdue else ""
            return f"{due}: reported {self.reported_on.isoformat()}{late}"
        if self.days_left < 0:
            return f"{due}: {-self.days_left} day{'s' if self.days_left < -1 else ''} overdue"
        return f"{due}: {self.days_left} day{'' if self.days_left == 1 else 's'} left"


def report_deadline(signed_on: date, today: date, reported_on: date | None = None) -> ReportDeadline:
    """Return the DOJ report's deadline for an order signed on a day, as of today."""
    return ReportDeadline(report_due(signed_on), days_left(signed_on, today), reported_on)
