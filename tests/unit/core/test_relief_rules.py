"""The relief rules of decision-format.md: relief against a count's level, sentence and basis."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from conftest import example_decision

from service.core.validation import ValidationReport, records_from_json, validate_records

TODAY = date(2024, 6, 1)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PETITION, REVIEW = "HSC 11361.8", "HSC 11361.9"
SERVING, COMPLETED = False, True  # values of sentence_completed


def with_count(
    level: str, completed: bool, relief: str, basis: str = REVIEW, index: int = 0
) -> dict[str, Any]:
    """Return the example decision with its count at `index` set as given (the other still fits)."""
    decision = example_decision()
    decision["basis"] = basis
    decision["counts"][index].update(level=level, sentence_completed=completed, relief=relief)
    return decision


def check(*decisions: dict[str, Any]) -> ValidationReport:
    """Validate the decisions as a JSON array file."""
    return validate_records(records_from_json(json.dumps(decisions).encode()), today=TODAY, now=NOW)


def errors_of(report: ValidationReport) -> list[str]:
    """Return each error as the command line prints it, without its position and decision id."""
    return [f"{error.path}: {error.message}" for error in report.errors]


@pytest.mark.parametrize(
    ("level", "completed", "relief", "basis"),
    [
        *[(level, COMPLETED, "dismiss_and_seal", basis)
          for level in ("felony", "misdemeanor", "infraction") for basis in (REVIEW, PETITION)],
        ("felony", COMPLETED, "redesignate_misdemeanor", PETITION),
        ("felony", COMPLETED, "redesignate_misdemeanor", REVIEW),
        ("felony", COMPLETED, "redesignate_infraction", REVIEW),
        ("misdemeanor", COMPLETED, "redesignate_infraction", PETITION),
        ("misdemeanor", COMPLETED, "redesignate_infraction", REVIEW),
        ("felony", SERVING, "resentence", PETITION),
        ("felony", SERVING, "resentence", REVIEW),
        ("misdemeanor", SERVING, "resentence", PETITION),
        # Under 11361.9 the relief is what DOJ identified, served or not.
        ("felony", SERVING, "dismiss_and_seal", REVIEW),
        ("felony", SERVING, "redesignate_misdemeanor", REVIEW),
        ("misdemeanor", SERVING, "redesignate_infraction", REVIEW),
    ],
)  # fmt: skip
def test_relief_that_fits_the_count_is_accepted(level: str, completed: bool, relief: str, basis: str) -> None:
    report = check(with_count(level, completed, relief, basis))
    assert errors_of(report) == []
    assert report.decisions[0].counts[0].relief.value == relief


@pytest.mark.parametrize(
    ("level", "completed", "relief", "basis", "message"),
    [
        ("misdemeanor", COMPLETED, "redesignate_misdemeanor", REVIEW,
         "a misdemeanor cannot be redesignated as a misdemeanor"),
        ("infraction", COMPLETED, "redesignate_misdemeanor", REVIEW,
         "an infraction cannot be redesignated as a misdemeanor"),
        ("infraction", COMPLETED, "redesignate_infraction", REVIEW,
         "an infraction cannot be redesignated as an infraction"),
        ("misdemeanor", SERVING, "redesignate_misdemeanor", REVIEW,
         "a misdemeanor cannot be redesignated as a misdemeanor"),
        ("felony", COMPLETED, "resentence", REVIEW,
         "a completed sentence (sentence_completed is true) cannot be recalled and resentenced; "
         "resentence is only for a sentence still being served"),
        ("misdemeanor", COMPLETED, "resentence", PETITION,
         "a completed sentence (sentence_completed is true) cannot be recalled and resentenced; "
         "resentence is only for a sentence still being served"),
        ("felony", SERVING, "dismiss_and_seal", PETITION,
         "under HSC 11361.8 a sentence still being served (sentence_completed is false) is recalled "
         "for resentencing (resentence), not dismissed and sealed"),
        ("felony", SERVING, "redesignate_misdemeanor", PETITION,
         "under HSC 11361.8 a sentence still being served (sentence_completed is false) is recalled "
         "for resentencing (resentence), not redesignated as a misdemeanor"),
        ("misdemeanor", SERVING, "redesignate_infraction", PETITION,
         "under HSC 11361.8 a sentence still being served (sentence_completed is false) is recalled "
         "for resentencing (resentence), not redesignated as an infraction"),
    ],
)  # fmt: skip
def test_relief_that_does_not_fit_the_count_is_refused_at_its_path(
    level: str, completed: bool, relief: str, basis: str, message: str
) -> None:
    report = check(with_count(level, completed, relief, basis, index=1))
    assert errors_of(report) == [f"counts[1].relief: {message}"]
    assert report.decisions == []
    assert report.rejected_positions == ["index 0"]


def test_the_format_documents_own_example_reads_as_it_does_there() -> None:
    (error,) = check(with_count("misdemeanor", COMPLETED, "redesignate_misdemeanor")).errors
    assert str(error) == (
        "index 0, decision LAX-2021-0000123: counts[0].relief: "
        "a misdemeanor cannot be redesignated as a misdemeanor"
    )


def test_every_count_that_does_not_fit_is_reported_beside_the_other_field_errors() -> None:
    decision = with_count("misdemeanor", COMPLETED, "redesignate_misdemeanor")
    decision["counts"][1].update(sentence_completed=True, relief="resentence")
    decision["person"]["address"]["zip"] = "1"
    assert [error.split(":")[0] for error in errors_of(check(decision))] == [
        "person.address.zip",
        "counts[0].relief",
        "counts[1].relief",
    ]


def test_every_served_count_of_a_petition_is_reported_beside_the_other_field_errors() -> None:
    decision = with_count("felony", SERVING, "redesignate_misdemeanor", PETITION)
    decision["counts"][1].update(sentence_completed=False)  # dismiss_and_seal
    decision["approved_by"]["bar_number"] = "SBN1"
    assert [error.split(":")[0] for error in errors_of(check(decision))] == [
        "approved_by.bar_number",
        "counts[0].relief",
        "counts[1].relief",
    ]


def test_a_petition_rule_is_not_guessed_when_the_basis_itself_is_invalid() -> None:
    decision = with_count("felony", SERVING, "dismiss_and_seal", "HSC 11361")
    assert [error.split(":")[0] for error in errors_of(check(decision))] == ["basis"]
