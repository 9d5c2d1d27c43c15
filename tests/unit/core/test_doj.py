"""The DOJ report's dispositions, dismissal reasons and due dates (PC 13151, 13151.1)."""

from __future__ import annotations

from datetime import date

import pytest

from service.core.doj import (
    DISPOSITION_TEXT,
    Disposition,
    days_left,
    dismissal_reason,
    disposition_of,
    is_overdue,
    new_status,
    report_deadline,
    report_due,
)
from service.core.models import Basis, Level, Relief
from service.core.ruling import Outcome

GRANTED_AS = {
    Relief.DISMISS_AND_SEAL: Disposition.DISMISSED_AND_SEALED,
    Relief.REDESIGNATE_MISDEMEANOR: Disposition.REDUCED_TO_MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION: Disposition.REDUCED_TO_INFRACTION,
    Relief.RESENTENCE: Disposition.SENTENCE_RECALLED,
}
NOT_GRANTED_AS = {
    Outcome.DENIED: Disposition.DENIED,
    Outcome.NOT_FOUND: Disposition.NOT_FOUND,
    Outcome.MODIFIED: Disposition.MODIFIED,
}


@pytest.mark.parametrize("relief", list(Relief))
@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_of_every_relief_has_its_disposition(outcome: Outcome, relief: Relief) -> None:
    expected = GRANTED_AS[relief] if outcome is Outcome.GRANTED else NOT_GRANTED_AS[outcome]
    assert disposition_of(outcome, relief) is expected


def test_every_disposition_has_words() -> None:
    assert set(DISPOSITION_TEXT) == set(Disposition)


@pytest.mark.parametrize(
    ("basis", "section"), [(Basis.PETITION, "11361.8"), (Basis.PROSECUTOR_REVIEW, "11361.9")]
)
def test_a_dismissal_states_the_statute_it_was_granted_under(basis: Basis, section: str) -> None:
    assert dismissal_reason(basis) == (
        f"Dismissed and sealed under Health and Safety Code section {section} (Proposition 64)"
    )


@pytest.mark.parametrize(
    ("disposition", "level", "note", "expected"),
    [
        (Disposition.DISMISSED_AND_SEALED, Level.FELONY, "", "DISMISSED AND SEALED"),
        (Disposition.REDUCED_TO_MISDEMEANOR, Level.FELONY, "", "MISDEMEANOR"),
        (Disposition.REDUCED_TO_INFRACTION, Level.MISDEMEANOR, "", "INFRACTION"),
        (Disposition.SENTENCE_RECALLED, Level.FELONY, "", "SENTENCE RECALLED; TO BE RESENTENCED"),
        (Disposition.DENIED, Level.FELONY, "prior strike", "FELONY"),  # a denied count keeps its level
        (Disposition.NOT_FOUND, Level.MISDEMEANOR, "", "NO SUCH CASE OR COUNT"),
        (Disposition.MODIFIED, Level.FELONY, "reduced to misdemeanor only", "REDUCED TO MISDEMEANOR ONLY"),
        (Disposition.MODIFIED, Level.FELONY, "", "AS MODIFIED BY THE ORDER"),
    ],
)
def test_the_new_level_or_status_follows_the_disposition(
    disposition: Disposition, level: Level, note: str, expected: str
) -> None:
    assert new_status(disposition, level, note) == expected


# -- due dates: "within 30 days" of the order (PC 13151), in calendar days ---------------------------


@pytest.mark.parametrize(
    ("signed_on", "due"),
    [
        (date(2024, 6, 1), date(2024, 7, 1)),
        (date(2023, 1, 31), date(2023, 3, 2)),  # across a 28-day February
        (date(2024, 1, 31), date(2024, 3, 1)),  # across a leap February
        (date(2024, 2, 29), date(2024, 3, 30)),  # signed on a leap day
        (date(2024, 1, 30), date(2024, 2, 29)),  # due on a leap day
        (date(2024, 12, 15), date(2025, 1, 14)),  # across a year end
    ],
)
def test_the_report_is_due_30_calendar_days_after_the_order(signed_on: date, due: date) -> None:
    assert report_due(signed_on) == due


def test_the_due_date_itself_is_in_time_and_the_day_after_is_overdue() -> None:
    signed = date(2024, 2, 29)
    assert (days_left(signed, date(2024, 3, 29)), is_overdue(signed, date(2024, 3, 29))) == (1, False)
    assert (days_left(signed, date(2024, 3, 30)), is_overdue(signed, date(2024, 3, 30))) == (0, False)
    assert (days_left(signed, date(2024, 3, 31)), is_overdue(signed, date(2024, 3, 31))) == (-1, True)
    assert days_left(signed, signed) == 30


@pytest.mark.parametrize(
    ("today", "reported_on", "line", "overdue"),
    [
        (date(2024, 6, 30), None, "due 2024-07-01: 1 day left", False),
        (date(2024, 7, 1), None, "due 2024-07-01: 0 days left", False),
        (date(2024, 7, 2), None, "due 2024-07-01: 1 day overdue", True),
        (date(2024, 7, 11), None, "due 2024-07-01: 10 days overdue", True),
        (date(2024, 7, 11), date(2024, 6, 20), "due 2024-07-01: reported 2024-06-20", False),
        (date(2024, 7, 11), date(2024, 7, 3), "due 2024-07-01: reported 2024-07-03 (late)", True),
    ],
)
def test_status_shows_the_due_date_days_left_or_overdue_and_when_it_was_reported(
    today: date, reported_on: date | None, line: str, overdue: bool
) -> None:
    deadline = report_deadline(date(2024, 6, 1), today, reported_on)
    assert (deadline.describe(), deadline.overdue, deadline.due_on) == (line, overdue, date(2024, 7, 1))
