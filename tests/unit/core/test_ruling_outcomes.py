"""The core of a ruling: each count's outcome, counts by outcome, the digest, the exceptions CSV."""

from __future__ import annotations

from datetime import date

import pytest

from service.core.ruling import CountOutcome, Outcome, Ruling, content_digest, parse_exceptions
from service.errors import InvalidInputError

DENIED = CountOutcome("BA1", 2, Outcome.DENIED, "no such count")


def ruling(*exceptions: CountOutcome) -> Ruling:
    return Ruling("b1", "LA-CCB", 1, date(2026, 12, 4), "Hon. A", "0" * 64, exceptions)


def test_a_count_the_ruling_does_not_name_is_granted_as_filed() -> None:
    made = ruling(DENIED)
    assert made.outcome_of("BA1", 2) == DENIED
    assert made.outcome_of("BA1", 1) == CountOutcome("BA1", 1, Outcome.GRANTED)
    assert made.outcome_of("BA2", 2).outcome is Outcome.GRANTED


def test_a_ruling_of_58000_counts_answers_by_lookup_and_counts_every_outcome() -> None:
    exceptions = tuple(CountOutcome(f"BA{n}", 1, Outcome.NOT_FOUND) for n in range(0, 58_000, 2))
    made = ruling(*exceptions)
    counts = [(f"BA{n}", 1) for n in range(58_000)]
    assert made.tally(counts) == {
        Outcome.GRANTED: 29_000,
        Outcome.DENIED: 0,
        Outcome.MODIFIED: 0,
        Outcome.NOT_FOUND: 29_000,
    }


def test_two_rulings_compare_by_their_content_only() -> None:
    assert ruling(DENIED) == ruling(DENIED) and ruling(DENIED) != ruling()


def test_the_digest_ignores_the_order_of_lines_and_sees_every_field() -> None:
    other = CountOutcome("BA3", 1, Outcome.MODIFIED, "reduced")
    day = date(2026, 12, 4)
    first = content_digest(day, "Hon. A", "a" * 64, [DENIED, other])
    assert first == content_digest(day, "Hon. A", "a" * 64, [other, DENIED])
    assert first != content_digest(day, "Hon. B", "a" * 64, [DENIED, other])
    assert first != content_digest(day, "Hon. A", "b" * 64, [DENIED, other])
    assert first != content_digest(date(2026, 12, 5), "Hon. A", "a" * 64, [DENIED, other])
    assert first != content_digest(day, "Hon. A", "a" * 64, [DENIED])
    assert content_digest(day, None, "a" * 64, []) == content_digest(day, "", "a" * 64, [])


def test_an_exceptions_file_from_excel_with_a_bom_and_blank_lines_is_read_with_its_lines() -> None:
    data = "\ufeffcase_number,count,outcome,note\r\n\r\nBA1,2,denied,no such count\r\n ,,,\r\n".encode()
    assert parse_exceptions(data) == [(3, DENIED)]


def test_a_count_below_one_is_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_exceptions(b"case_number,count,outcome\nBA1,0,denied\n,1,denied\n")
    assert [str(e) for e in refused.value.errors] == [
        "exceptions line 2: count: must be a count number (1, 2...), not '0'",
        "exceptions line 3: case_number: is required",
    ]
