"""The DOJ disposition report: its rows for every outcome and relief, and its CSV and fixed-width files."""

from __future__ import annotations

import csv
import hashlib
import io
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import example_decision

from service import assets
from service.bundle.doj_report import (
    report_rows,
    write_report_csv,
    write_report_files,
    write_report_fixed_width,
)
from service.core.doj_mapping import FORMAT, DojMapping, load_mapping, parse_mapping
from service.core.files import temp_files
from service.core.models import Decision
from service.core.ruling import CountOutcome, Outcome, Ruling
from service.errors import InvalidRequestError, ReportValueError

SIGNED = date(2024, 2, 29)
CASE = "BA123456"
# (count, level, relief, sentence_completed): one count of each relief.
COUNTS = [
    (1, "felony", "redesignate_misdemeanor", True),
    (2, "misdemeanor", "dismiss_and_seal", True),
    (3, "misdemeanor", "redesignate_infraction", True),
    (4, "felony", "resentence", False),
]
EXPECTED = {  # (outcome, relief) -> (disposition, new level or status)
    **{
        ("granted", relief): expected
        for relief, expected in {
            "redesignate_misdemeanor": ("REDUCED TO MISDEMEANOR", "MISDEMEANOR"),
            "dismiss_and_seal": ("DISMISSED AND SEALED", "DISMISSED AND SEALED"),
            "redesignate_infraction": ("REDUCED TO INFRACTION", "INFRACTION"),
            "resentence": ("SENTENCE RECALLED FOR RESENTENCING", "SENTENCE RECALLED; TO BE RESENTENCED"),
        }.items()
    },
    **{("denied", relief): ("RELIEF DENIED", level.upper()) for _, level, relief, _ in COUNTS},
    **{
        ("not_found", relief): ("CASE OR COUNT NOT FOUND", "NO SUCH CASE OR COUNT")
        for *_, relief, _ in COUNTS
    },
    **{("modified", relief): ("MODIFIED", "GRANTED IN PART") for *_, relief, _ in COUNTS},
}


def every_relief(basis: str = "HSC 11361.9", **person: Any) -> Decision:
    """Return the example decision with one count of each relief."""
    data = example_decision()
    data["basis"] = basis
    data["person"].update(person)
    data["counts"] = [
        {
            "count": number,
            "code": "HSC",
            "section": "11359" if level == "felony" else "11357(b)",
            "level": level,
            "disposition_date": "1998-06-15",
            "sentence_completed": completed,
            "relief": relief,
        }
        for number, level, relief, completed in COUNTS
    ]
    return Decision.model_validate(data)


def ruling(*exceptions: CountOutcome, court: str = "LA-CCB") -> Ruling:
    return Ruling("b20240101-0000000001", court, 1, SIGNED, "Hon. A. Judge", "0" * 64, exceptions)


def default() -> DojMapping:
    return load_mapping(assets.doj_mapping_file())


def custom(*columns: dict[str, Any], **top: Any) -> DojMapping:
    return parse_mapping({"format": FORMAT, "columns": list(columns), **top}, "custom.toml")


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


# -- rows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_count_of_every_relief_is_reported_as_the_order_disposed_of_it(
    outcome: Outcome, tmp_path: Path
) -> None:
    note = "granted in part" if outcome is Outcome.MODIFIED else ""
    exceptions = (
        () if outcome is Outcome.GRANTED else tuple(CountOutcome(CASE, n, outcome, note) for n, *_ in COUNTS)
    )
    written = write_report_csv(
        tmp_path / "r.csv", report_rows([every_relief()], ruling(*exceptions)), default()
    )
    rows = csv_rows(tmp_path / "r.csv")
    assert written.rows == len(rows) == 4
    for (number, _, relief, _), row in zip(COUNTS, rows, strict=True):
        assert (row["COURT DOCKET NUMBER"], row["COUNT"], row["CII NUMBER"]) == (
            CASE,
            str(number),
            "A12345678",
        )
        assert (row["DISPOSITION"], row["NEW LEVEL OR STATUS"]) == EXPECTED[(outcome.value, relief)]
        assert row["DISPOSITION DATE"] == "20240229"  # the order's date, not the conviction's
        assert (row["COURT CODE"], row["COURT"]) == (
            "LA-CCB",
            "Superior Court of California, County of Los Angeles",
        )
        dismissed = outcome is Outcome.GRANTED and relief == "dismiss_and_seal"
        assert bool(row["DISMISSAL REASON"]) is dismissed


@pytest.mark.parametrize(("basis", "section"), [("HSC 11361.8", "11361.8"), ("HSC 11361.9", "11361.9")])
def test_a_dismissal_states_its_reason_and_basis(basis: str, section: str) -> None:
    rows = list(report_rows([every_relief(basis)], ruling()))
    dismissed = rows[1].values
    assert (
        dismissed["reason"]
        == f"Dismissed and sealed under Health and Safety Code section {section} (Proposition 64)"
    )
    assert (dismissed["basis"], dismissed["code_section"]) == (basis, "HSC 11357(b)")
    assert [row.values["reason"] for row in rows].count("") == 3


def test_counts_the_ruling_does_not_name_are_granted_and_exceptions_carry_their_note() -> None:
    rows = list(report_rows([every_relief()], ruling(CountOutcome(CASE, 2, Outcome.DENIED, "prior strike"))))
    assert [row.values["outcome"] for row in rows] == ["granted", "denied", "granted", "granted"]
    assert rows[1].values["note"] == "prior strike"


def test_an_exception_applies_to_every_decision_of_its_case_such_as_co_defendants() -> None:
    first, second = every_relief(), every_relief().model_copy(update={"decision_id": "LAX-2021-0000124"})
    rows = list(report_rows([first, second], ruling(CountOutcome(CASE, 1, Outcome.DENIED))))
    assert [row.values["outcome"] for row in rows if row.count == 1] == ["denied", "denied"]


def test_the_name_and_date_of_birth_are_read_only_when_the_mapping_asks_for_them() -> None:
    assert "person_name" not in next(report_rows([every_relief()], ruling(), default().fields)).values
    asked = custom(
        {"field": "person_name", "heading": "Name", "width": 40},
        {"field": "person_dob", "heading": "DOB", "width": 8},
    )
    values = next(report_rows([every_relief()], ruling(), asked.fields)).values
    assert (values["person_name"], values["person_dob"]) == ("María Elena García", date(1975, 4, 3))


def test_a_decision_of_another_court_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="is of court LA-CCB, not SF-HOJ"):
        list(report_rows([every_relief()], ruling(court="SF-HOJ")))


def test_an_exception_for_a_count_that_is_not_in_the_decisions_is_refused_and_no_file_is_left(
    tmp_path: Path,
) -> None:
    bad = ruling(CountOutcome(CASE, 9, Outcome.DENIED))
    with pytest.raises(InvalidRequestError, match=f"names case {CASE} count 9, which is not in"):
        write_report_csv(tmp_path / "r.csv", report_rows([every_relief()], bad), default())
    assert not (tmp_path / "r.csv").exists() and temp_files(tmp_path) == []


# -- the files -------------------------------------------------------------------------------------


def test_the_headings_and_their_order_come_from_the_mapping(tmp_path: Path) -> None:
    mapping = custom(
        {"field": "disposition_date", "heading": "Fecha", "width": 10},
        {"field": "case_number", "heading": "Docket #", "width": 12},
        {"field": "disposition", "heading": "Result", "width": 20},
        {"field": "count", "heading": "Ct", "width": 3},
        date_format="MM/DD/YYYY",
        dispositions={"dismissed_and_sealed": "DISM 11361.8"},
    )
    write_report_csv(tmp_path / "r.csv", report_rows([every_relief()], ruling(), mapping.fields), mapping)
    lines = (tmp_path / "r.csv").read_bytes().split(b"\r\n")
    assert lines[0] == b"Fecha,Docket #,Result,Ct"
    assert lines[2] == b"02/29/2024,BA123456,DISM 11361.8,2"


def test_the_hash_and_row_count_describe_the_bytes_written(tmp_path: Path) -> None:
    rows = report_rows([every_relief(), every_relief()], ruling())
    written = write_report_fixed_width(tmp_path / "r.txt", rows, default())
    content = (tmp_path / "r.txt").read_bytes()
    assert (written.sha256, written.bytes, written.rows) == (
        hashlib.sha256(content).hexdigest(),
        len(content),
        8,
    )


def test_fixed_width_columns_sit_at_their_byte_positions(tmp_path: Path) -> None:
    mapping = custom(
        {"field": "cii", "heading": "CII", "width": 10},
        {"field": "case_number", "heading": "Docket", "width": 12, "start": 13},
        {"field": "count", "heading": "Ct", "width": 3, "align": "right", "pad": "0"},
        {"field": "disposition_date", "heading": "Date", "width": 8},
        {"field": "person_name", "heading": "Name", "width": 20},
        fixed_width={"header": True, "line_ending": "crlf"},
    )
    written = write_report_fixed_width(
        tmp_path / "r.txt", report_rows([every_relief()], ruling(), mapping.fields), mapping
    )
    lines = (tmp_path / "r.txt").read_bytes().split(b"\r\n")
    assert lines[-1] == b"" and len(lines) == 6 and written.rows == 4  # a heading line, then 4 counts
    assert {len(line) for line in lines[:-1]} == {mapping.record_length} == {55}
    assert lines[0] == b"CII       " + b"  " + b"Docket      " + b" Ct" + b"Date    " + b"Name".ljust(20)
    second = lines[2]
    assert second[0:10] == b"A12345678 "
    assert second[10:12] == b"  "  # the gap before the column that starts at 13
    assert second[12:24] == b"BA123456    "
    assert second[24:27] == b"002"  # right-aligned, padded with zeros
    assert second[27:35] == b"20240229"
    assert second[35:55] == b"Maria Elena Garcia  "  # transliterated to ASCII
    assert second.isascii()


def test_a_value_wider_than_its_column_is_an_error_naming_case_count_and_field(tmp_path: Path) -> None:
    mapping = custom({"field": "case_number", "heading": "Docket", "width": 6})
    with pytest.raises(
        ReportValueError,
        match=r"case BA123456, count 1: case_number is 8 characters, wider than its column \(6\)",
    ):
        write_report_fixed_width(tmp_path / "r.txt", report_rows([every_relief()], ruling()), mapping)
    assert not (tmp_path / "r.txt").exists() and temp_files(tmp_path) == []


def test_a_column_that_says_truncate_is_cut_to_its_width(tmp_path: Path) -> None:
    mapping = custom({"field": "court_name", "heading": "Court", "width": 16, "truncate": True})
    write_report_fixed_width(tmp_path / "r.txt", report_rows([every_relief()], ruling()), mapping)
    assert (tmp_path / "r.txt").read_bytes().split(b"\r\n")[0] == b"Superior Court o"


def test_the_csv_keeps_a_name_as_written_and_the_fixed_width_file_can_refuse_it(tmp_path: Path) -> None:
    name = {"field": "person_name", "heading": "Name", "width": 30}
    write_report_csv(
        tmp_path / "r.csv", report_rows([every_relief()], ruling(), {"person_name"}), custom(name)
    )
    assert csv_rows(tmp_path / "r.csv")[0]["Name"] == "María Elena García"
    refusing = custom(name, fixed_width={"non_ascii": "refuse"})
    with pytest.raises(ReportValueError, match="case BA123456, count 1: person_name has characters"):
        write_report_fixed_width(
            tmp_path / "r.txt", report_rows([every_relief()], ruling(), {"person_name"}), refusing
        )


def test_a_name_with_no_ascii_form_is_refused_in_the_fixed_width_file(tmp_path: Path) -> None:
    mapping = custom(
        {"field": "person_name", "heading": "Name", "width": 30}, fixed_width={"line_ending": "lf"}
    )
    decision = every_relief(name="王小明", aka=[])
    with pytest.raises(ReportValueError, match="person_name has characters with no ASCII form"):
        write_report_fixed_width(
            tmp_path / "r.txt", report_rows([decision], ruling(), mapping.fields), mapping
        )


def test_both_files_are_written_in_one_pass_and_match_the_single_writers(tmp_path: Path) -> None:
    mapping = default()
    both = write_report_files(
        tmp_path / "r.csv", tmp_path / "r.txt", report_rows([every_relief()], ruling()), mapping
    )
    alone = (
        write_report_csv(tmp_path / "a.csv", report_rows([every_relief()], ruling()), mapping),
        write_report_fixed_width(tmp_path / "a.txt", report_rows([every_relief()], ruling()), mapping),
    )
    assert [(w.sha256, w.rows) for w in both] == [(w.sha256, w.rows) for w in alone]
    assert [w.path.name for w in both] == ["r.csv", "r.txt"]


def test_a_row_the_fixed_width_file_refuses_leaves_neither_file(tmp_path: Path) -> None:
    mapping = custom({"field": "case_number", "heading": "Docket", "width": 6})
    with pytest.raises(ReportValueError):
        write_report_files(
            tmp_path / "r.csv", tmp_path / "r.txt", report_rows([every_relief()], ruling()), mapping
        )
    assert sorted(tmp_path.iterdir()) == []


# -- memory ----------------------------------------------------------------------------------------


def many(base: Decision, count: int) -> Iterator[Decision]:
    """Yield `count` copies of a decision, each with its own case number, made one at a time."""
    for index in range(count):
        case = base.case.model_copy(update={"number": f"BA{index:07d}"})
        yield base.model_copy(update={"case": case, "decision_id": f"LAX-{index:07d}"})


def test_50000_decisions_stream_through_the_report_without_being_held(tmp_path: Path) -> None:
    base = every_relief().model_copy(update={"counts": every_relief().counts[1:2]})  # one count each
    mapping = default()
    tracemalloc.start()
    try:
        written = write_report_fixed_width(
            tmp_path / "r.txt", report_rows(many(base, 50_000), ruling(), mapping.fields), mapping
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.rows == 50_000
    assert written.bytes == 50_000 * (mapping.record_length + 2)  # 33 MB of lines were written...
    assert peak < 2 * 1024 * 1024  # ...holding under 2 MiB at any time
