"""decision/v1 validation: every rule of shared/docs/decision-format.md, and every error's place."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_DECISION, SAMPLE_BATCH, example_decision
from pydantic import BaseModel

from service.core.models import Level, Relief
from service.core.validation import (
    ValidationReport,
    load_decisions,
    parse_decision,
    records_from_json,
    validate_file,
    validate_records,
)
from service.errors import FieldError, InvalidInputError

TODAY = date(2024, 6, 1)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
EXAMPLE_ID = "LAX-2021-0000123"
MISSING: Any = object()  # as a value for changed(): remove the field instead


# --- helpers ------------------------------------------------------------------------------------


def _steps(path: str) -> list[str | int]:
    """Return ["counts", 1, "relief"] for "counts[1].relief"."""
    return [int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", path)]


def changed(path: str, value: Any, decision: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the example decision (or `decision`) with the field at `path` set, or removed."""
    decision = example_decision() if decision is None else decision
    *parents, last = _steps(path)
    target: Any = decision
    for step in parents:
        target = target[step]
    if value is MISSING:
        del target[last]
    else:
        target[last] = value
    return decision


def field_of(value: Any, path: str) -> Any:
    """Return the field at `path` of a parsed Decision (or of plain JSON data)."""
    for step in _steps(path):
        if isinstance(step, int) or not isinstance(value, BaseModel):
            value = value[step]
        else:
            value = getattr(value, step)
    return value


def check(*values: Any, today: date | None = TODAY, now: datetime | None = NOW) -> ValidationReport:
    """Validate `values` as a JSON array file would be read: positions are "index N"."""
    return validate_records(records_from_json(json.dumps(list(values)).encode()), today=today, now=now)


def accept(value: Any) -> Any:
    """Return the Decision parsed from `value`; fail with every error if it is rejected."""
    report = check(value)
    assert report.errors == []
    assert len(report.decisions) == 1
    return report.decisions[0]


def assert_plain(message: str) -> None:
    """A plain message: one line of English, not pydantic's developer wording or links."""
    assert message
    assert "\n" not in message
    for jargon in ("Input should", "pydantic", "errors.pydantic.dev", "type=", "Value error"):
        assert jargon not in message


def only_error(report: ValidationReport) -> FieldError:
    assert len(report.errors) == 1, report.errors
    assert report.decisions == []
    assert_plain(report.errors[0].message)
    return report.errors[0]


def only_error_in(report: ValidationReport) -> FieldError:
    """Like only_error, for a batch in which some decisions are valid."""
    assert len(report.errors) == 1, report.errors
    assert_plain(report.errors[0].message)
    return report.errors[0]


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def jsonl(*values: Any) -> str:
    return "".join((v if isinstance(v, str) else json.dumps(v)) + "\n" for v in values)


def with_id(decision_id: str, case_number: str, court: str = "LA-CCB") -> dict[str, Any]:
    decision = changed("decision_id", decision_id)
    changed("case.number", case_number, decision)
    return changed("court.code", court, decision)


# --- the valid examples -------------------------------------------------------------------------


def test_the_example_decision_is_valid() -> None:
    decision = accept(example_decision())
    assert decision.decision_id == EXAMPLE_ID
    assert [count.relief for count in decision.counts] == [
        Relief.REDESIGNATE_MISDEMEANOR,
        Relief.DISMISS_AND_SEAL,
    ]


def test_the_sample_batch_is_valid_in_full() -> None:
    report = validate_file(SAMPLE_BATCH, today=TODAY, now=NOW)
    assert report.errors == []
    assert len(report.decisions) == 24
    assert {d.court.code for d in report.decisions} == {"LA-CCB", "LA-VNW", "LA-AIR"}


def test_load_decisions_returns_every_decision_of_a_valid_file() -> None:
    assert len(load_decisions(SAMPLE_BATCH)) == 24


def test_a_single_object_json_file_is_one_decision_without_a_position(tmp_path: Path) -> None:
    path = write(tmp_path, "one.json", EXAMPLE_DECISION.read_text(encoding="utf-8"))
    assert [d.decision_id for d in validate_file(path, today=TODAY, now=NOW).decisions] == [EXAMPLE_ID]
    bad = write(tmp_path, "bad.json", json.dumps(changed("counts[1].relief", "pardon")))
    error = only_error(validate_file(bad, today=TODAY, now=NOW))
    assert (error.position, error.decision_id, error.path) == ("", EXAMPLE_ID, "counts[1].relief")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("decision_id", "a"),
        ("decision_id", "x" * 64),
        ("decision_id", "LAX_2021.0000123-b"),
        ("basis", "HSC 11361.8"),
        ("approved_by.bar_number", "1"),
        ("approved_by.bar_number", "1234567"),
        ("approved_by.bar_number", "0012345"),
        ("approved_by.bar_number", MISSING),
        ("approved_at", "2021-09-20T17:15:00Z"),
        ("approved_at", "2021-09-20T10:15-07:00"),
        ("approved_at", "2021-09-20T10:15:00.123456+00:00"),
        ("approved_at", "2024-06-01T12:00:00Z"),  # exactly now
        ("approved_at", "2024-06-01T05:00:00-07:00"),  # exactly now, other offset
        ("agency.address", MISSING),
        ("agency.address", []),
        ("agency.phone", MISSING),
        ("court.code", "x" * 32),
        ("court.code", "la_ccb-2"),
        ("case.number", "x" * 32),
        ("case.number", "1998-F-0012"),
        ("case.convicted_on", "1975-04-04"),  # the day after birth
        ("case.convicted_on", "2024-06-01"),  # today
        ("case.convicted_on", "2020-02-29"),  # a leap day
        ("person.name", "x" * 200),
        ("person.aka", MISSING),
        ("person.aka", []),
        ("person.aka", ["Maria Garcia", "María G.", "M. E. Garcia"]),
        ("person.cii", MISSING),
        ("person.cii", "A"),
        ("person.cii", "1234567890"),
        ("person.language", "en"),
        ("person.language", "EN"),
        ("person.language", "zh-Hant"),
        ("person.language", "zh-Hant-TW"),
        ("person.language", "es-419"),
        ("person.language", "fil"),
        ("person.language", "km"),  # no letter template: still valid input
        ("person.notify", False),
        ("person.address.lines", ["1200 West 7th Street", "Apt 4", "c/o Legal Aid"]),
        ("person.address.zip", "900171234"),
        ("person.address.zip", "90017-1234"),
        ("counts[0].disposition_date", "2024-06-01"),  # today
        ("counts[0].count", 999),
        ("counts[0].sentence_completed", False),
    ],
)
def test_a_valid_variation_is_accepted(path: str, value: Any) -> None:
    accept(changed(path, value))


@pytest.mark.parametrize("level", list(Level))
def test_every_level_is_accepted(level: Level) -> None:
    decision = changed("counts[0].relief", "dismiss_and_seal")  # the relief that fits every level
    assert accept(changed("counts[0].level", level.value, decision)).counts[0].level is level


# A count each relief fits (tests/unit/core/test_relief_rules.py has the rules themselves).
FITTING_COUNT = {
    Relief.DISMISS_AND_SEAL: ("misdemeanor", True),
    Relief.REDESIGNATE_MISDEMEANOR: ("felony", True),
    Relief.REDESIGNATE_INFRACTION: ("misdemeanor", True),
    Relief.RESENTENCE: ("felony", False),
}


@pytest.mark.parametrize("relief", list(Relief))
def test_every_kind_of_relief_is_accepted(relief: Relief) -> None:
    level, completed = FITTING_COUNT[relief]
    decision = changed("counts[1].level", level, changed("counts[1].sentence_completed", completed))
    assert accept(changed("counts[1].relief", relief.value, decision)).counts[1].relief is relief


@pytest.mark.parametrize(
    "section",
    ["11357", "11357(a)", "11357(b)", "11357(b)(2)", "11358", "11358(c)", "11359", "11359(b)",
     "11360", "11360(a)", "11360(a)(3)", "11362.1", "11362.1(a)"],
)  # fmt: skip
def test_a_section_from_11357_to_11360_or_11362_1_is_accepted(section: str) -> None:
    assert accept(changed("counts[0].section", section)).counts[0].section == section


def test_fifty_counts_are_accepted() -> None:
    count = example_decision()["counts"][0]
    counts = [{**count, "count": n} for n in range(1, 51)]
    assert len(accept(changed("counts", counts)).counts) == 50


# --- defaults -----------------------------------------------------------------------------------


def test_language_defaults_to_english() -> None:
    assert accept(changed("person.language", MISSING)).person.language == "en"


def test_notify_defaults_to_true() -> None:
    assert accept(changed("person.notify", MISSING)).person.notify is True


def test_notify_defaulting_to_true_still_requires_an_address() -> None:
    decision = changed("person.notify", MISSING, changed("person.address", MISSING))
    error = only_error(check(decision))
    assert error.path == "person.address"
    assert "notify" in error.message


def test_no_letter_needs_no_address() -> None:
    decision = accept(changed("person.notify", False, changed("person.address", MISSING)))
    assert decision.person.notify is False
    assert decision.person.address is None


def test_optional_fields_default_to_empty() -> None:
    decision = example_decision()
    for path in (
        "person.aka",
        "person.cii",
        "approved_by.bar_number",
        "agency.address",
        "agency.phone",
    ):
        changed(path, MISSING, decision)
    parsed = accept(decision)
    assert parsed.person.aka == []
    assert parsed.person.cii is None
    assert parsed.approved_by.bar_number is None
    assert parsed.agency.address == []
    assert parsed.agency.phone is None


# --- one bad field: rejected with its position, decision id, path and a plain message -----------


BAD_FIELDS = [
    # format
    ("format", "decision/v2", "must be exactly decision/v1"),
    ("format", "Decision/V1", "must be exactly decision/v1"),
    ("format", MISSING, "is required"),
    # status
    ("status", "pending", "must be approved"),
    ("status", "denied", "must be approved"),
    ("status", "Approved", "must be approved"),
    ("status", True, "must be approved"),
    ("status", MISSING, "is required"),
    # basis
    ("basis", "HSC 11361", "HSC 11361.8 or HSC 11361.9"),
    ("basis", "11361.9", "HSC 11361.8 or HSC 11361.9"),
    ("basis", "hsc 11361.9", "HSC 11361.8 or HSC 11361.9"),
    ("basis", "HSC 11361.8 ", "HSC 11361.8 or HSC 11361.9"),
    ("basis", MISSING, "is required"),
    # approved_by
    ("approved_by", MISSING, "is required"),
    ("approved_by", "Dana R. Whitfield", "must be an object"),
    ("approved_by.name", MISSING, "is required"),
    ("approved_by.name", "  ", "must not be blank"),
    ("approved_by.title", MISSING, "is required"),
    ("approved_by.title", "", "must not be blank"),
    ("approved_by.bar_number", "12345678", "1 to 7 digits"),
    ("approved_by.bar_number", "", "1 to 7 digits"),
    ("approved_by.bar_number", "SBN 287654", "1 to 7 digits"),
    ("approved_by.bar_number", "28765a", "1 to 7 digits"),
    ("approved_by.bar_number", "２８７６５４", "1 to 7 digits"),  # noqa: RUF001 (full-width digits)
    ("approved_by.bar_number", 287654, "must be text"),
    # approved_at
    ("approved_at", "2021-09-20T10:15:00", "with an offset"),
    ("approved_at", "2021-09-20", "with an offset"),
    ("approved_at", "2021-09-20 10:15:00-07:00", "ISO 8601"),
    ("approved_at", "20210920T101500-0700", "ISO 8601"),
    ("approved_at", 1632158100, "ISO 8601"),
    ("approved_at", "2021-02-30T10:15:00-07:00", "not a real date and time"),
    ("approved_at", "2021-09-20T24:15:00-07:00", "not a real date and time"),
    ("approved_at", "2024-06-01T12:00:01Z", "is in the future"),
    ("approved_at", "2024-06-01T06:00:00-07:00", "is in the future"),
    ("approved_at", MISSING, "is required"),
    # agency
    ("agency", MISSING, "is required"),
    ("agency.name", MISSING, "is required"),
    ("agency.name", " ", "must not be blank"),
    ("agency.address", "211 West Temple Street", "must be a list"),
    ("agency.address[1]", "", "must not be blank"),
    ("agency.phone", "", "must not be blank"),
    # court
    ("court", MISSING, "is required"),
    ("court.code", MISSING, "is required"),
    ("court.code", "", "1 to 32 characters of A-Z a-z 0-9 _ -"),
    ("court.code", "x" * 33, "1 to 32 characters of A-Z a-z 0-9 _ -"),
    ("court.code", "LA CCB", "1 to 32 characters of A-Z a-z 0-9 _ -"),
    ("court.code", "LA.CCB", "1 to 32 characters of A-Z a-z 0-9 _ -"),
    ("court.code", "LA/CCB", "1 to 32 characters of A-Z a-z 0-9 _ -"),
    ("court.code", "LÅ-CCB", "1 to 32 characters of A-Z a-z 0-9 _ -"),
    ("court.name", MISSING, "is required"),
    ("court.name", "", "must not be blank"),
    ("court.courthouse", MISSING, "is required"),
    ("court.courthouse", "\u3000", "must not be blank"),  # ideographic space
    ("court.county", MISSING, "is required"),
    ("court.county", 5, "must be text"),
    # case
    ("case", MISSING, "is required"),
    ("case.number", MISSING, "is required"),
    ("case.number", "", "1 to 32 characters of A-Z a-z 0-9 -"),
    ("case.number", "x" * 33, "1 to 32 characters of A-Z a-z 0-9 -"),
    ("case.number", "BA 123456", "1 to 32 characters of A-Z a-z 0-9 -"),
    ("case.number", "BA_123456", "1 to 32 characters of A-Z a-z 0-9 -"),
    ("case.number", "BA.123456", "1 to 32 characters of A-Z a-z 0-9 -"),
    ("case.number", "BA/123456", "1 to 32 characters of A-Z a-z 0-9 -"),
    ("case.number", "ＢＡ123456", "1 to 32 characters of A-Z a-z 0-9 -"),  # noqa: RUF001
    ("case.number", 123456, "must be text"),
    ("case.convicted_on", MISSING, "is required"),
    ("case.convicted_on", "1998-6-15", "YYYY-MM-DD"),
    ("case.convicted_on", "06/15/1998", "YYYY-MM-DD"),
    ("case.convicted_on", "1998-06-15T00:00:00", "YYYY-MM-DD"),
    ("case.convicted_on", 19980615, "YYYY-MM-DD"),
    ("case.convicted_on", "2021-02-30", "not a real calendar date"),
    ("case.convicted_on", "2023-02-29", "not a real calendar date"),
    ("case.convicted_on", "1998-13-01", "not a real calendar date"),
    ("case.convicted_on", "1998-06-00", "not a real calendar date"),
    ("case.convicted_on", "2024-06-02", "is in the future"),
    ("case.convicted_on", "1975-04-03", "must be after person.dob"),  # the day of birth
    ("case.convicted_on", "1960-01-01", "must be after person.dob"),
    # person
    ("person", MISSING, "is required"),
    ("person.name", MISSING, "is required"),
    ("person.name", "", "must not be blank"),
    ("person.name", "   ", "must not be blank"),
    ("person.name", "x" * 201, "at most 200 characters"),
    ("person.name", None, "must be text"),
    ("person.aka", "Maria Garcia", "must be a list"),
    ("person.aka[0]", "", "must not be blank"),
    ("person.aka[0]", "x" * 201, "at most 200 characters"),
    ("person.dob", MISSING, "is required"),
    ("person.dob", "1975-4-3", "YYYY-MM-DD"),
    ("person.dob", "2021-02-30", "not a real calendar date"),
    ("person.dob", "2024-06-02", "is in the future"),
    ("person.cii", "a12345678", "1 to 10 characters of A-Z 0-9"),
    ("person.cii", "A-1234567", "1 to 10 characters of A-Z 0-9"),
    ("person.cii", "A1234567890", "1 to 10 characters of A-Z 0-9"),
    ("person.cii", "", "1 to 10 characters of A-Z 0-9"),
    ("person.cii", 12345678, "must be text"),
    ("person.language", "english", "BCP 47"),
    ("person.language", "e", "BCP 47"),
    ("person.language", "en_US", "BCP 47"),
    ("person.language", "es-", "BCP 47"),
    ("person.language", "", "BCP 47"),
    ("person.notify", "yes", "must be true or false"),
    ("person.notify", "true", "must be true or false"),
    ("person.notify", 1, "must be true or false"),
    ("person.address", MISSING, "is required when notify is true"),
    ("person.address", None, "is required when notify is true"),
    ("person.address", "1200 West 7th Street", "must be an object"),
    ("person.address.lines", MISSING, "is required"),
    ("person.address.lines", [], "at least 1 item"),
    ("person.address.lines", ["a", "b", "c", "d"], "at most 3 item"),
    ("person.address.lines", "1200 West 7th Street", "must be a list"),
    ("person.address.lines[0]", "", "must not be blank"),
    ("person.address.city", MISSING, "is required"),
    ("person.address.city", " ", "must not be blank"),
    ("person.address.state", MISSING, "is required"),
    ("person.address.state", "C", "2 capital letters"),
    ("person.address.state", "CAL", "2 capital letters"),
    ("person.address.state", "C1", "2 capital letters"),
    ("person.address.zip", MISSING, "is required"),
    ("person.address.zip", "9001", "5 or 9 digits"),
    ("person.address.zip", "900170", "5 or 9 digits"),
    ("person.address.zip", "9001712345", "5 or 9 digits"),
    ("person.address.zip", "90017-12", "5 or 9 digits"),
    ("person.address.zip", "90017 1234", "5 or 9 digits"),
    ("person.address.zip", "ABCDE", "5 or 9 digits"),
    ("person.address.zip", 90017, "must be text"),
    # counts
    ("counts", MISSING, "is required"),
    ("counts", [], "at least 1 item"),
    ("counts", {"count": 1}, "must be a list"),
    ("counts[0]", "HSC 11359", "must be an object"),
    ("counts[0].count", MISSING, "is required"),
    ("counts[0].count", 0, "from 1 to 999"),
    ("counts[0].count", -1, "from 1 to 999"),
    ("counts[0].count", "1", "must be a whole number"),
    ("counts[0].count", 1.5, "must be a whole number"),
    ("counts[0].count", True, "must be a whole number"),
    ("counts[0].code", MISSING, "is required"),
    ("counts[0].code", "PC", "must be exactly HSC"),
    ("counts[0].code", "hsc", "must be exactly HSC"),
    ("counts[0].code", "HSC ", "must be exactly HSC"),
    ("counts[0].section", MISSING, "is required"),
    ("counts[0].section", 11357, "must be text"),
    ("counts[0].level", MISSING, "is required"),
    ("counts[0].level", "Felony", "felony, misdemeanor or infraction"),
    ("counts[0].level", "wobbler", "felony, misdemeanor or infraction"),
    ("counts[1].relief", MISSING, "is required"),
    ("counts[1].relief", "dismiss", "dismiss_and_seal, redesignate_misdemeanor"),
    ("counts[1].relief", "expunge", "redesignate_infraction or resentence"),
    ("counts[1].relief", "DISMISS_AND_SEAL", "dismiss_and_seal"),
    ("counts[1].disposition_date", MISSING, "is required"),
    ("counts[1].disposition_date", "1998-02-30", "not a real calendar date"),
    ("counts[1].disposition_date", "06/15/1998", "YYYY-MM-DD"),
    ("counts[1].disposition_date", "2024-06-02", "is in the future"),
    ("counts[1].sentence_completed", MISSING, "is required"),
    ("counts[1].sentence_completed", "yes", "must be true or false"),
    ("counts[1].sentence_completed", None, "must be true or false"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_FIELDS)
def test_a_bad_field_is_rejected_with_its_path_and_a_plain_message(
    path: str, value: Any, message: str
) -> None:
    error = only_error(check(changed(path, value)))
    assert (error.position, error.decision_id, error.path) == ("index 0", EXAMPLE_ID, path)
    assert message in error.message


@pytest.mark.parametrize(
    "section",
    ["11361", "11357b", "11356", "11361.8", "11362", "11362.10", "11362.2", "HSC 11357",
     "11357()", "11357 (b)", "11357(b", "11357.1", " 11357", ""],
)  # fmt: skip
def test_a_section_outside_11357_to_11360_and_11362_1_is_rejected(section: str) -> None:
    error = only_error(check(changed("counts[1].section", section)))
    assert (error.position, error.decision_id, error.path) == (
        "index 0",
        EXAMPLE_ID,
        "counts[1].section",
    )
    assert "11357 to 11360" in error.message


@pytest.mark.parametrize(
    ("decision_id", "message"),
    [
        ("", "1 to 64 characters"),
        ("x" * 65, "1 to 64 characters"),
        ("LAX 2021", "1 to 64 characters"),
        ("LAX/2021", "1 to 64 characters"),
        ("../etc/passwd", "1 to 64 characters"),
        ("LAX\\2021", "1 to 64 characters"),
        ("LAX:2021", "1 to 64 characters"),
        ("LAX-2021-Ü", "1 to 64 characters"),
        (".", "start with a letter or digit"),
        ("..", "start with a letter or digit"),
        (".hidden", "start with a letter or digit"),
        ("-rf", "start with a letter or digit"),
        ("_x", "start with a letter or digit"),
        ("LAX..2021", "not contain .."),
        (12345, "must be text"),
    ],
)
def test_a_decision_id_that_could_not_name_a_file_is_rejected(decision_id: Any, message: str) -> None:
    error = only_error(check(changed("decision_id", decision_id)))
    assert (error.position, error.path) == ("index 0", "decision_id")
    assert message in error.message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("nickname", "Mari"),
        ("decision_Id", EXAMPLE_ID),  # a typo next to the real field
        ("approved_by.email", "dana@example.org"),
        ("agency.fax", "(213) 555-0101"),
        ("court.judge", "Hon. A. Judge"),
        ("case.department", "100"),
        ("person.middle_name", "Elena"),
        ("person.adress", {"lines": ["x"], "city": "y", "state": "CA", "zip": "90017"}),
        ("person.address.country", "US"),
        ("counts[0].note", "first count"),
        ("counts[1].subdivision", "b"),
    ],
)
def test_an_unknown_field_is_rejected_not_ignored(path: str, value: Any) -> None:
    error = only_error(check(changed(path, value)))
    assert (error.position, error.decision_id, error.path) == ("index 0", EXAMPLE_ID, path)
    assert "not a field of decision/v1" in error.message


def test_more_than_fifty_counts_are_rejected() -> None:
    count = example_decision()["counts"][0]
    counts = [{**count, "count": n} for n in range(1, 52)]
    error = only_error(check(changed("counts", counts)))
    assert (error.path, error.message) == ("counts", "must have at most 50 item(s)")


@pytest.mark.parametrize(("first", "second", "repeated"), [(1, 1, "1"), (2, 2, "2"), (7, 7, "7")])
def test_repeated_count_numbers_are_rejected(first: int, second: int, repeated: str) -> None:
    decision = changed("counts[0].count", first, changed("counts[1].count", second))
    error = only_error(check(decision))
    assert (error.position, error.decision_id, error.path) == ("index 0", EXAMPLE_ID, "counts")
    assert "unique" in error.message
    assert error.message.endswith(repeated)


def test_dates_in_the_future_use_the_real_clock_by_default() -> None:
    for path, value in [
        ("approved_at", "2999-01-01T00:00:00Z"),
        ("person.dob", "2999-01-01"),
        ("case.convicted_on", "2999-01-01"),
        ("counts[0].disposition_date", "2999-01-01"),
    ]:
        with pytest.raises(InvalidInputError) as raised:
            parse_decision(changed(path, value))
        assert [(e.path, e.message) for e in raised.value.errors] == [(path, "is in the future")]


# --- text: NFC, forbidden characters, markup ----------------------------------------------------

TEXT_FIELDS = [
    "approved_by.name",
    "approved_by.title",
    "agency.name",
    "agency.address[0]",
    "agency.phone",
    "court.county",
    "court.name",
    "court.courthouse",
    "person.name",
    "person.aka[0]",
    "person.address.lines[0]",
    "person.address.city",
]
IDENTIFIER_FIELDS = [
    "decision_id",
    "court.code",
    "case.number",
    "person.cii",
    "approved_by.bar_number",
    "person.address.zip",
]

CONTROL = ["\t", "\n", "\r", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"]
NONCHARACTERS = ["\ufffe", "\uffff"]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
# U+202A to U+202E (embeddings and overrides), U+2066 to U+2069 (isolates)
BIDI_CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def _forbidden(char: str) -> str:
    """Return what the message about `char` must say."""
    if char in LONE_SURROGATES:
        return "lone surrogate"
    code = f"U+{ord(char):04X}"
    if char in NONCHARACTERS:
        return f"non-character {code}"
    if char in BIDI_CONTROLS:
        return f"bidirectional control character ({code})"
    return f"control character ({code})"


def _spliced(path: str, char: str) -> dict[str, Any]:
    """Return the example decision with `char` inserted in the middle of the text at `path`."""
    text = field_of(example_decision(), path)
    middle = len(text) // 2
    return changed(path, text[:middle] + char + text[middle:])


@pytest.mark.parametrize("char", CONTROL + NONCHARACTERS + LONE_SURROGATES + BIDI_CONTROLS, ids=ascii)
@pytest.mark.parametrize("path", TEXT_FIELDS)
def test_a_forbidden_character_in_any_text_field_is_rejected(path: str, char: str) -> None:
    error = only_error(check(_spliced(path, char)))
    assert (error.position, error.decision_id, error.path) == ("index 0", EXAMPLE_ID, path)
    assert _forbidden(char) in error.message


@pytest.mark.parametrize("char", ["\t", "\n", "\x00", "\ufffe", "\ud800", "\u202e", "\u2066"], ids=ascii)
@pytest.mark.parametrize("path", IDENTIFIER_FIELDS)
def test_a_forbidden_character_in_an_identifier_is_rejected(path: str, char: str) -> None:
    error = only_error(check(_spliced(path, char)))
    assert (error.position, error.path) == ("index 0", path)
    assert _forbidden(char) in error.message


@pytest.mark.parametrize("char", ZERO_WIDTH, ids=ascii)
@pytest.mark.parametrize("path", IDENTIFIER_FIELDS)
def test_a_zero_width_character_in_an_identifier_is_rejected(path: str, char: str) -> None:
    error = only_error(check(_spliced(path, char)))
    assert (error.position, error.path) == ("index 0", path)
    assert error.message == "contains a zero-width character"
    # An id with an invisible character in it is not readable: it is not reported as the id.
    assert error.decision_id == (None if path == "decision_id" else EXAMPLE_ID)


@pytest.mark.parametrize(
    "name",
    # ZWNJ (Persian), ZWJ (Devanagari), ZWSP
    ["علی\u200cرضا", "क्\u200dष", "Anna\u200bMaria"],  # noqa: RUF001
    ids=ascii,
)
def test_a_zero_width_character_in_a_name_is_accepted_unchanged(name: str) -> None:
    assert accept(changed("person.name", name)).person.name == name


@pytest.mark.parametrize(
    ("decomposed", "composed"),
    [
        ("Mari\u0301a Elena Garci\u0301a", "María Elena García"),
        ("Nguye\u0302\u0303n Va\u0306n Hu\u0300ng", "Nguyễn Văn Hùng"),
        ("Pen\u0303a", "Peña"),
        ("\u1100\u1161\u11a8", "각"),  # Hangul jamo
        ("A\u030angstro\u0308m", "Ångström"),
    ],
    ids=["spanish", "vietnamese", "tilde", "hangul", "swedish"],
)
@pytest.mark.parametrize(
    "path", ["person.name", "person.aka[0]", "person.address.lines[0]", "court.courthouse"]
)
def test_decomposed_text_comes_out_nfc(path: str, decomposed: str, composed: str) -> None:
    assert not unicodedata.is_normalized("NFC", decomposed)
    value = field_of(accept(changed(path, decomposed)), path)
    assert value == composed
    assert unicodedata.is_normalized("NFC", value)


def test_the_name_limit_counts_characters_after_nfc() -> None:
    name = "e\u0301" * 200  # 400 code points, 200 characters once composed
    assert accept(changed("person.name", name)).person.name == "é" * 200
    error = only_error(check(changed("person.name", "e\u0301" * 201)))
    assert (error.path, error.message) == ("person.name", "must be at most 200 characters")


@pytest.mark.parametrize(
    "text",
    [
        "<b>x</b>",
        "{{ 7*7 }}",
        "{% if true %}x{% endif %}",
        "<script>alert(1)</script>",
        "${7*7}",
        "&amp; O'Brien & Sons",
        'Robert"); DROP TABLE decisions;--',
        "\\textbf{x}",
    ],
)
@pytest.mark.parametrize("path", ["person.name", "person.aka[0]", "agency.name", "court.courthouse"])
def test_markup_and_template_text_is_accepted_unchanged(path: str, text: str) -> None:
    assert field_of(accept(changed(path, text)), path) == text


# --- positions, ids and messages ----------------------------------------------------------------


def test_the_decision_id_is_reported_when_readable() -> None:
    error = only_error(check(changed("counts[1].relief", "pardon")))
    assert error.decision_id == EXAMPLE_ID


@pytest.mark.parametrize("decision_id", [MISSING, None, 42, ["LAX-1"], "LAX\u202e1", "LAX\x001"], ids=ascii)
def test_the_decision_id_is_not_reported_when_unreadable(decision_id: Any) -> None:
    report = check(changed("decision_id", decision_id, changed("counts[1].relief", "pardon")))
    assert [(e.decision_id, e.path) for e in report.errors] == [
        (None, "decision_id"),
        (None, "counts[1].relief"),
    ]


def test_an_array_reports_the_index_of_each_bad_decision() -> None:
    report = check(
        with_id("A-1", "C1"),
        changed("counts[0].level", "wobbler", with_id("A-2", "C2")),
        with_id("A-3", "C3"),
        changed("person.address.zip", "1", with_id("A-4", "C4")),
    )
    assert [(e.position, e.decision_id, e.path) for e in report.errors] == [
        ("index 1", "A-2", "counts[0].level"),
        ("index 3", "A-4", "person.address.zip"),
    ]
    assert [d.decision_id for d in report.decisions] == ["A-1", "A-3"]
    assert report.rejected_positions == ["index 1", "index 3"]


@pytest.mark.parametrize("value", [5, None, "decision", [], True], ids=repr)
def test_an_array_item_that_is_not_an_object_is_rejected_at_its_index(value: Any) -> None:
    report = check(example_decision(), value)
    assert [(e.position, e.decision_id, e.path) for e in report.errors] == [("index 1", None, "")]
    assert report.errors[0].message == "must be a JSON object (one decision)"


def test_json_lines_report_the_physical_line_number(tmp_path: Path) -> None:
    text = jsonl(
        with_id("A-1", "C1"),
        "",
        changed("counts[1].relief", "pardon", with_id("A-3", "C3")),
        "   ",
        changed("status", "pending", with_id("A-5", "C5")),
    )
    report = validate_file(write(tmp_path, "batch.jsonl", text), today=TODAY, now=NOW)
    assert [(e.position, e.decision_id, e.path) for e in report.errors] == [
        ("line 3", "A-3", "counts[1].relief"),
        ("line 5", "A-5", "status"),
    ]


def test_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    text = jsonl(with_id("A-1", "C1"), with_id("A-2", "C2")).replace("\n", "\r\n")
    report = validate_file(write(tmp_path, "batch.jsonl", text), today=TODAY, now=NOW)
    assert (report.errors, len(report.decisions)) == ([], 2)


def test_an_error_reads_as_position_decision_path_and_message(tmp_path: Path) -> None:
    text = jsonl(with_id("A-1", "C1"), changed("counts[1].relief", "pardon", with_id("A-2", "C2")))
    error = only_error_in(validate_file(write(tmp_path, "b.jsonl", text), today=TODAY, now=NOW))
    assert str(error).startswith("line 2, decision A-2: counts[1].relief: must be one of ")


def test_a_lone_surrogate_escaped_in_json_lines_is_rejected(tmp_path: Path) -> None:
    line = json.dumps(changed("person.name", "Mar\ud800ia"))
    assert "\\ud800" in line  # the file holds the JSON escape, which decodes to a lone surrogate
    error = only_error(validate_file(write(tmp_path, "b.jsonl", line + "\n"), today=TODAY, now=NOW))
    assert (error.position, error.decision_id, error.path) == ("line 1", EXAMPLE_ID, "person.name")
    assert "lone surrogate" in error.message


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_surrogate_encoded_raw_in_the_file_is_rejected(tmp_path: Path, suffix: str) -> None:
    # Not valid UTF-8, but Python's json decoder lets it through: the text rules must catch it.
    line = json.dumps(example_decision(), ensure_ascii=False).replace("María", "Mar\ud800ia")
    data = line.encode("utf-8", "surrogatepass") + b"\n"
    error = only_error(validate_file(write(tmp_path, "b" + suffix, data), today=TODAY, now=NOW))
    assert (error.position, error.path) == ("line 1" if suffix == ".jsonl" else "", "person.name")
    assert "lone surrogate" in error.message


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_file_that_is_not_utf8_is_rejected(tmp_path: Path, suffix: str) -> None:
    data = json.dumps(example_decision(), ensure_ascii=False).encode("latin-1") + b"\n"
    error = only_error(validate_file(write(tmp_path, "b" + suffix, data), today=TODAY, now=NOW))
    assert (error.position, error.path) == ("line 1" if suffix == ".jsonl" else "file", "")
    assert error.message == "is not valid JSON (not UTF-8 text)"


# --- malformed files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    ["{", "{'format': 'decision/v1'}", "not json", '{"a": 1,}', "[1, 2", '{"a": tru}'],
)
def test_a_malformed_json_line_is_reported_with_its_line_number(tmp_path: Path, broken: str) -> None:
    text = jsonl(with_id("A-1", "C1"), broken, with_id("A-3", "C3"))
    report = validate_file(write(tmp_path, "b.jsonl", text), today=TODAY, now=NOW)
    assert [(e.position, e.decision_id, e.path) for e in report.errors] == [("line 2", None, "")]
    assert report.errors[0].message.startswith("is not valid JSON (")
    assert " line " not in report.errors[0].message  # the position says which line; no second one
    assert [d.decision_id for d in report.decisions] == ["A-1", "A-3"]


def test_a_raw_tab_inside_a_json_string_is_malformed(tmp_path: Path) -> None:
    line = json.dumps(example_decision()).replace("Maria Garcia", "Maria\tGarcia")
    error = only_error(validate_file(write(tmp_path, "b.jsonl", line + "\n")))
    assert error.position == "line 1"
    assert re.fullmatch(r"is not valid JSON \(Invalid control character at column \d+\)", error.message)


def test_a_truncated_json_line_is_reported(tmp_path: Path) -> None:
    text = jsonl(with_id("A-1", "C1")) + json.dumps(with_id("A-2", "C2"))[:-40] + "\n"
    error = only_error_in(validate_file(write(tmp_path, "b.jsonl", text), today=TODAY, now=NOW))
    assert error.position == "line 2"
    assert error.message.startswith("is not valid JSON (Unterminated string starting at column ")


def test_a_malformed_json_file_is_reported_with_the_line_number(tmp_path: Path) -> None:
    text = '[\n  {"format": "decision/v1",\n   "decision_id": }\n]\n'
    error = only_error(validate_file(write(tmp_path, "b.json", text)))
    assert (error.position, error.decision_id, error.path) == ("file", None, "")
    assert "is not valid JSON" in error.message
    assert "line 3" in error.message


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_nested_too_deeply_is_reported_not_a_crash(tmp_path: Path, suffix: str) -> None:
    text = "[" * 100_000 + "]" * 100_000 + "\n"
    error = only_error(validate_file(write(tmp_path, "deep" + suffix, text)))
    assert error.position == ("file" if suffix == ".json" else "line 1")
    assert "is not valid JSON" in error.message


@pytest.mark.parametrize("document", ['"decision"', "42", "null", "true", "3.5"])
def test_a_json_file_that_is_neither_object_nor_array_is_rejected(tmp_path: Path, document: str) -> None:
    error = only_error(validate_file(write(tmp_path, "b.json", document)))
    assert (error.position, error.path) == ("file", "")
    assert error.message == "must be a decision object or an array of decisions"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.json", "[]"),
        ("empty.json", " [ ]\n"),
        ("empty.jsonl", ""),
        ("blank.jsonl", "\n  \n\n"),
    ],
)
def test_an_empty_batch_is_rejected(tmp_path: Path, name: str, text: str) -> None:
    error = only_error(validate_file(write(tmp_path, name, text)))
    assert (error.position, error.decision_id, error.path) == ("file", None, "")
    assert "empty" in error.message


def test_an_empty_file_given_as_json_is_malformed(tmp_path: Path) -> None:
    error = only_error(validate_file(write(tmp_path, "empty.json", "")))
    assert "is not valid JSON" in error.message


# --- rules across a batch -----------------------------------------------------------------------


def test_a_repeated_decision_id_is_rejected_where_it_repeats(tmp_path: Path) -> None:
    text = jsonl(with_id("A-1", "C1"), with_id("A-2", "C2"), with_id("A-1", "C3"), with_id("A-1", "C4"))
    report = validate_file(write(tmp_path, "b.jsonl", text), today=TODAY, now=NOW)
    assert [(e.position, e.decision_id, e.path, e.message) for e in report.errors] == [
        ("line 3", "A-1", "decision_id", "is repeated (first at line 1)"),
        ("line 4", "A-1", "decision_id", "is repeated (first at line 1)"),
    ]
    assert [d.decision_id for d in report.decisions] == ["A-1", "A-2"]


def test_a_repeated_decision_id_in_an_array_names_the_first_index() -> None:
    report = check(with_id("A-1", "C1"), with_id("A-1", "C2"))
    assert [(e.position, e.path, e.message) for e in report.errors] == [
        ("index 1", "decision_id", "is repeated (first at index 0)")
    ]


def test_a_repeated_case_number_in_the_same_court_is_rejected(tmp_path: Path) -> None:
    text = jsonl(with_id("A-1", "BA1", "LA-CCB"), with_id("A-2", "BA1", "LA-CCB"))
    error = only_error_in(validate_file(write(tmp_path, "b.jsonl", text), today=TODAY, now=NOW))
    assert (error.position, error.decision_id, error.path) == ("line 2", "A-2", "case.number")
    assert "LA-CCB" in error.message
    assert "first at line 1" in error.message


def test_the_same_case_number_in_different_courts_is_accepted() -> None:
    report = check(with_id("A-1", "BA1", "LA-CCB"), with_id("A-2", "BA1", "LA-VNW"))
    assert (report.errors, len(report.decisions)) == ([], 2)


def test_a_decision_repeating_both_id_and_case_gets_both_errors() -> None:
    report = check(with_id("A-1", "BA1"), with_id("A-1", "BA1"))
    assert [(e.position, e.path) for e in report.errors] == [
        ("index 1", "decision_id"),
        ("index 1", "case.number"),
    ]


# --- every error is reported --------------------------------------------------------------------


def test_every_bad_field_of_one_decision_is_reported() -> None:
    decision = example_decision()
    for path, value in [
        ("status", "pending"),
        ("approved_by.bar_number", "SBN1"),
        ("person.address.zip", "1"),
        ("counts[0].section", "11361"),
        ("counts[1].relief", "pardon"),
        ("extra", 1),
    ]:
        changed(path, value, decision)
    with pytest.raises(InvalidInputError) as raised:
        parse_decision(decision, today=TODAY, now=NOW)
    assert sorted(e.path for e in raised.value.errors) == sorted(
        ["status", "approved_by.bar_number", "person.address.zip", "counts[0].section",
         "counts[1].relief", "extra"]
    )  # fmt: skip
    assert str(raised.value).startswith("6 invalid field(s): ")


def test_a_file_with_several_bad_records_reports_every_error(tmp_path: Path) -> None:
    two_bad = changed("counts[1].relief", "pardon", changed("person.address.zip", "1", with_id("A-2", "C2")))
    text = jsonl(
        with_id("A-1", "C1"),
        two_bad,
        "{not json",
        changed("status", "pending", with_id("A-4", "C4")),
        "[1, 2, 3]",
        with_id("A-1", "C6"),
        changed("person.dob", "2021-02-30", with_id("A-7", "C7")),
        with_id("A-8", "C8"),
    )
    path = write(tmp_path, "batch.jsonl", text)
    report = validate_file(path, today=TODAY, now=NOW)
    assert [(e.position, e.decision_id, e.path) for e in report.errors] == [
        ("line 2", "A-2", "person.address.zip"),
        ("line 2", "A-2", "counts[1].relief"),
        ("line 3", None, ""),
        ("line 4", "A-4", "status"),
        ("line 5", None, ""),
        ("line 6", "A-1", "decision_id"),
        ("line 7", "A-7", "person.dob"),
    ]
    for error in report.errors:
        assert_plain(error.message)
    assert report.rejected_positions == ["line 2", "line 3", "line 4", "line 5", "line 6", "line 7"]
    assert [d.decision_id for d in report.decisions] == ["A-1", "A-8"]
    assert not report.ok

    with pytest.raises(InvalidInputError) as raised:
        load_decisions(path)
    assert raised.value.errors == report.errors
    assert "(and 2 more)" in str(raised.value)


@pytest.mark.xfail(
    strict=True,
    reason="cross-field rules (conviction after birth, address when notify) are model "
    "validators that pydantic runs only when every field is valid, so they are reported "
    "only once the other errors are fixed",
)
def test_a_cross_field_error_is_reported_beside_field_errors() -> None:
    decision = changed("case.convicted_on", "1960-01-01", changed("counts[1].relief", "pardon"))
    report = check(decision)
    assert [e.path for e in report.errors] == ["case.convicted_on", "counts[1].relief"]
