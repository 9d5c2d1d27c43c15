"""Spreadsheets as people keep them are read by header name; a file that cannot be read says where."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import InvalidInputError
from service.importing.tables import read_rows


def errors_of(path: Path, required: tuple[str, ...] = (), encoding: str = "utf-8") -> list[str]:
    with pytest.raises(InvalidInputError) as raised:
        list(read_rows(path, required, encoding=encoding))
    return [str(error) for error in raised.value.errors]


def test_header_names_are_read_without_their_trailing_spaces(tmp_path: Path) -> None:
    path = tmp_path / "court.csv"
    path.write_text("CII_NUMBER ,Case Number  \nA1,BA1\n\nA2,BA2\n", encoding="utf-8")
    rows = list(read_rows(path, ("CII_NUMBER", "Case Number")))
    assert [(row.line, row.cells) for row in rows] == [
        (2, {"CII_NUMBER": "A1", "Case Number": "BA1"}),
        (4, {"CII_NUMBER": "A2", "Case Number": "BA2"}),
    ]


def test_a_record_spanning_lines_is_numbered_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('cii,address_1\nA1,"12 Main St\nUnit 4"\nA2,x\n', encoding="utf-8")
    assert [row.line for row in read_rows(path, ("cii",))] == [2, 4]


def test_windows_1252_text_read_as_utf_8_says_which_line_and_how_to_read_it(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes("cii,name\nA1,Jos\u00e9\n".encode("cp1252"))
    assert errors_of(path) == [
        "contacts.csv line 2: (record): is not UTF-8 text at byte 7 "
        "(saved as Windows-1252? pass --encoding windows-1252)"
    ]
    assert [row.get("name") for row in read_rows(path, (), encoding="windows-1252")] == ["Jos\u00e9"]


def test_gogens_condensed_file_is_refused_because_its_header_is_one_column_longer(tmp_path: Path) -> None:
    path = tmp_path / "All_Results_Condensed.csv"
    path.write_text("CII_NUMBER,CYC_ORDER,Eligibility Determination\nA1,Hand Review\n", encoding="utf-8")
    (message,) = errors_of(path)
    assert message.startswith(
        "All_Results_Condensed.csv line 1: CYC_ORDER: this is gogen's All_Results_Condensed"
    )


def test_a_row_with_another_number_of_fields_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2,3\n1,2\n", encoding="utf-8")
    assert errors_of(path) == ["r.csv line 3: (record): has 2 fields, the header has 3"]


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.xls"
    path.write_bytes(b"\xd0\xcf")
    assert errors_of(path) == ["results.xls line 1: (record): must be a .csv or .xlsx file (got .xls)"]
