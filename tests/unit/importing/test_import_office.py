"""OFFICE.toml: an unknown or missing key is named, and the defaults are the two eligible determinations."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from service.core.models import Level
from service.errors import InvalidInputError
from service.importing.office import parse_office, read_office
from service.importing.sample import SAMPLE_OFFICE


def errors(text: str) -> list[str]:
    with pytest.raises(InvalidInputError) as raised:
        parse_office(tomllib.loads(text))
    return [str(error) for error in raised.value.errors]


def test_the_sample_office_reads_with_its_courts_and_reliefs(tmp_path: Path) -> None:
    path = tmp_path / "OFFICE.toml"
    path.write_text(SAMPLE_OFFICE, encoding="utf-8")
    office = read_office(path)
    assert office.approved_at == "2021-09-20T10:15:00-07:00"
    assert [court.code for court in office.courts] == ["LA-CCB", "LA-LBC"]
    assert office.court_for(" casc los angeles ", "BA1").code == "LA-CCB"  # type: ignore[union-attr]
    assert office.court_for("CASC LOS ANGELES", "LB1").code == "LA-LBC"  # type: ignore[union-attr]
    assert office.court_for("CASC SAN BERNARDINO", "FSB1") is None
    assert office.relief_for("Eligible for Reduction", Level.FELONY) == "redesignate_misdemeanor"
    assert office.relief_for("Eligible for Reduction", Level.MISDEMEANOR) == "redesignate_infraction"
    assert office.relief_for("Hand Review", Level.FELONY) is None


def test_without_determinations_the_office_approves_dismissal_and_reduction() -> None:
    without = re.sub(r"\[determinations\]\n(.+\n)+\n", "", SAMPLE_OFFICE)
    assert "determinations" not in without
    assert parse_office(tomllib.loads(without)).determinations == {
        "Eligible for Dismissal": "dismiss_and_seal",
        "Eligible for Reduction": "redesignate",
    }


def test_an_unknown_key_is_named() -> None:
    (message,) = errors(
        SAMPLE_OFFICE.replace('bar_number = "287654"', 'bar_number = "287654"\nbarnumber = "1"')
    )
    assert message.startswith("OFFICE.toml: approved_by.barnumber: is not a key of OFFICE.toml")


def test_a_missing_key_is_named() -> None:
    assert errors(SAMPLE_OFFICE.replace('basis = "HSC 11361.9"\n', "")) == ["OFFICE.toml: basis: is required"]


def test_an_approval_time_without_an_offset_is_refused() -> None:
    assert errors(SAMPLE_OFFICE.replace("10:15:00-07:00", "10:15:00")) == [
        "OFFICE.toml: approved_at: must be a date and time with an offset, e.g. 2021-09-20T10:15:00-07:00"
    ]


def test_a_relief_that_is_not_one_is_refused() -> None:
    (message,) = errors(SAMPLE_OFFICE.replace('= "dismiss_and_seal"', '= "dismiss"'))
    assert message.startswith(
        "OFFICE.toml: determinations.Eligible for Dismissal: must be one of redesignate,"
    )


def test_a_court_needs_an_ori_or_a_case_prefix() -> None:
    assert errors(SAMPLE_OFFICE.replace('case_prefix = "LB"\n', "")) == [
        "OFFICE.toml: courts[1]: needs ori (the DOJ court description) or case_prefix, or both"
    ]
