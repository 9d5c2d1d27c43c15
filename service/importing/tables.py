"""Rows of a spreadsheet as people keep them: .csv (UTF-8 with or without BOM, or Windows-1252) or .xlsx.

Rows are read one at a time (csv's reader over decoded lines; openpyxl in read-only mode), each
with its line: the physical line where a CSV record starts, or the sheet's row number. Header
names are compared without their outer spaces (gogen's own court extract has a trailing one).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from service.errors import FieldError, InvalidInputError

ENCODINGS = {"utf-8": "utf-8", "windows-1252": "cp1252"}  # --encoding: the name people know -> codec
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file and its cells by header name (outer spaces stripped)."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


def fail(label: str, line: int, column: str, message: str) -> InvalidInputError:
    """Return the error for one bad cell or line, naming the file, line and column."""
    return InvalidInputError([FieldError(f"{label} line {line}", None, column, message)])


def read_rows(
    path: Path, required: Sequence[str], *, encoding: str = "utf-8", label: str | None = None
) -> Iterator[Row]:
    """Yield every non-blank data row of a .csv or .xlsx file; refuse a missing required column."""
    label = label or path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise fail(label, 1, "", f"must be a .csv or .xlsx file (got {suffix or 'no extension'})")
    if encoding not in ENCODINGS:
        raise fail(label, 1, "", f"--encoding must be one of {', '.join(ENCODINGS)}")
    if suffix == ".xlsx":
        yield from _xlsx_rows(path, required, label)
        return
    with path.open("rb") as stream:
        yield from _csv_rows(stream, required, ENCODINGS[encoding], label)


def _header(raw: Sequence[str], required: Sequence[str], label: str) -> list[str]:
    names = [name.strip() for name in raw]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise fail(label, 1, name, "appears twice in the header")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        message = "is a required column and is missing"
        raise InvalidInputError([FieldError(f"{label} line 1", None, name, message) for name in missing])
    return names


def _csv_rows(stream: BinaryIO, required: Sequence[str], codec: str, label: str) -> Iterator[Row]:
    reader = csv.reader(_decoded_lines(stream, codec, label), strict=True)
    try:
        names = _header(next(reader, []), required, label)
        check_header(names, label)
        last = reader.line_num
        for values in reader:
            start, last = last + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(names):
                raise fail(label, start, "", f"has {len(values)} fields, the header has {len(names)}")
            yield Row(start, {name: value.strip() for name, value in zip(names, values, strict=True) if name})
    except csv.Error as error:
        raise fail(label, reader.line_num, "", f"is not valid CSV ({error})") from None


def _decoded_lines(stream: BinaryIO, codec: str, label: str) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as error:
            name = "UTF-8" if codec == "utf-8" else "Windows-1252"
            hint = " (saved as Windows-1252? pass --encoding windows-1252)" if codec == "utf-8" else ""
            raise fail(label, number, "", f"is not {name} text at byte {error.start + 1}{hint}") from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def check_header(names: Sequence[str], label: str) -> None:
    """Refuse gogen's condensed file: its header has one more column (CYC_ORDER) than its rows."""
    if "CYC_ORDER" in names and "CNT_ORDER" not in names and "Eligibility Determination" in names:
        raise fail(
            label,
            1,
            "CYC_ORDER",
            "this is gogen's All_Results_Condensed file, whose header has one more column than its "
            "rows; import Prop64_Results (or All_Results) instead",
        )


def _xlsx_rows(path: Path, required: Sequence[str], label: str) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile's, KeyError or its own for a broken file
        raise fail(label, 1, "", f"is not a readable .xlsx workbook ({type(error).__name__})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        names = _header([cell_text(value) for value in next(rows, ())], required, label)
        check_header(names, label)
        for number, values in enumerate(rows, start=2):
            texts = [cell_text(value) for value in values]
            if not any(texts):
                continue
            if any(texts[len(names) :]):
                raise fail(label, number, "", f"has values beyond the header's {len(names)} columns")
            texts += [""] * (len(names) - len(texts))
            yield Row(number, {name: text for name, text in zip(names, texts, strict=False) if name})
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """Return a spreadsheet cell as text: dates as YYYY-MM-DD, whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
