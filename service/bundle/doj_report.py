"""The DOJ disposition report of one ruling: its rows, streamed, and its CSV and fixed-width files.

`report_rows` turns a court's decisions (any iterable: a generator reading the database holds
one decision at a time) and the court's ruling into one row per case and count; the writers
stream those rows into a file atomically and return its SHA-256 and row count. Nothing here
holds more than one row. docs/doj-report.md describes the fields, the mapping and what was assumed.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from service.core.doj import (
    FIELDS,
    Disposition,
    DojRow,
    dismissal_reason,
    disposition_of,
    new_status,
)
from service.core.doj_mapping import Column, DojMapping
from service.core.files import atomic_writer
from service.core.models import Count, Decision
from service.core.ruling import CountOutcome, Outcome, Ruling
from service.errors import InvalidRequestError, ReportValueError

PERSONAL_FIELDS = frozenset({"person_name", "person_dob"})  # read only when a mapping names them


@dataclass(frozen=True)
class WrittenReport:
    """A report file just written: where, its SHA-256, its data rows (no heading line) and bytes."""

    path: Path
    sha256: str
    rows: int
    bytes: int


def report_rows(
    decisions: Iterable[Decision], ruling: Ruling, fields: Collection[str] = frozenset(FIELDS)
) -> Iterator[DojRow]:
    """Yield one row per case and count of the court's decisions, as the ruling disposed of it.

    `fields` are the fields to fill (a mapping's `fields`): the person's name and date of birth
    are read only when named. A decision of another court, or an exception of the ruling that
    names no count of these decisions (seen only once all are read), raises InvalidRequestError.
    """
    exceptions = {(e.case_number, e.count): e for e in ruling.exceptions}
    unmatched = set(exceptions)
    personal = PERSONAL_FIELDS & set(fields)
    for decision in decisions:
        if decision.court.code != ruling.court_code:
            raise InvalidRequestError(
                f"decision {decision.decision_id} is of court {decision.court.code}, "
                f"not {ruling.court_code} whose ruling this report is"
            )
        for count in decision.counts:
            key = (decision.case.number, count.count)
            exception = exceptions.get(key)
            if exception is None:
                exception = CountOutcome(*key, Outcome.GRANTED)
            else:  # every decision of the case (co-defendants share a case number) gets it
                unmatched.discard(key)
            yield _row(decision, count, exception, ruling, personal)
    if unmatched:
        case_number, count_number = min(unmatched)
        raise InvalidRequestError(
            f"the ruling names case {case_number} count {count_number}, which is not in the court's "
            f"decisions ({len(unmatched)} such exception(s)); no report was written"
        )


def _row(
    decision: Decision, count: Count, exception: CountOutcome, ruling: Ruling, personal: Collection[str]
) -> DojRow:
    disposition = disposition_of(exception.outcome, count.relief)
    dismissed = disposition is Disposition.DISMISSED_AND_SEALED
    values: dict[str, str | date] = {
        "cii": decision.person.cii or "",
        "court_code": decision.court.code,
        "court_name": decision.court.name,
        "case_number": decision.case.number,
        "count": str(count.count),
        "code": count.code,
        "section": count.section,
        "code_section": f"{count.code} {count.section}",
        "conviction_date": decision.case.convicted_on,
        "level_before": count.level.value.upper(),
        "relief": count.relief.value,
        "outcome": exception.outcome.value,
        "disposition": disposition,
        "disposition_code": disposition.value,
        "disposition_date": ruling.signed_on,
        "new_level": new_status(disposition, count.level, exception.note),
        "reason": dismissal_reason(decision.basis) if dismissed else "",
        "basis": decision.basis.value,
        "note": exception.note,
        "ruling_version": str(ruling.version),
        "decision_id": decision.decision_id,
    }
    if "person_name" in personal:
        values["person_name"] = decision.person.name
    if "person_dob" in personal:
        values["person_dob"] = decision.person.dob
    return DojRow(decision.case.number, count.count, values)


def cell(row: DojRow, field: str, mapping: DojMapping) -> str:
    """Return a row's value of a field as text: dates and dispositions as the mapping writes them."""
    value = row.values.get(field, "")
    if isinstance(value, Disposition):
        return mapping.disposition_text(value)
    if isinstance(value, date):
        return mapping.format_date(value)
    return value


# -- the files -------------------------------------------------------------------------------------


class _Output:
    """One report file being written: encodes, hashes and writes each piece, and counts data rows."""

    encoding = "utf-8"

    def __init__(self, target: Path, stream: BinaryIO, mapping: DojMapping) -> None:
        self.target = target
        self.stream = stream
        self.mapping = mapping
        self.digest = hashlib.sha256()
        self.size = 0
        self.rows = 0

    def write(self, text: str) -> int:
        data = text.encode(self.encoding)
        self.stream.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(text)

    def add(self, row: DojRow) -> None:
        raise NotImplementedError

    def written(self) -> WrittenReport:
        return WrittenReport(self.target, self.digest.hexdigest(), self.rows, self.size)


class _CsvOutput(_Output):
    """The CSV: UTF-8, CRLF line ends, a first line of the mapping's headings."""

    def __init__(self, target: Path, stream: BinaryIO, mapping: DojMapping) -> None:
        super().__init__(target, stream, mapping)
        self.writer = csv.writer(self, lineterminator="\r\n")
        self.writer.writerow([column.heading for column in mapping.columns])

    def add(self, row: DojRow) -> None:
        self.writer.writerow([cell(row, column.field, self.mapping) for column in self.mapping.columns])
        self.rows += 1


class _FixedOutput(_Output):
    """The fixed-width file: ASCII lines of `mapping.record_length` bytes, headings first if asked."""

    encoding = "ascii"

    def __init__(self, target: Path, stream: BinaryIO, mapping: DojMapping) -> None:
        super().__init__(target, stream, mapping)
        if mapping.header:
            headings = [column.heading for column in mapping.columns]
            self.write(_line(headings, mapping, headings=True) + mapping.newline)

    def add(self, row: DojRow) -> None:
        texts = [_fixed(row, column, self.mapping) for column in self.mapping.columns]
        self.write(_line(texts, self.mapping) + self.mapping.newline)
        self.rows += 1


def write_report_csv(target: Path, rows: Iterable[DojRow], mapping: DojMapping) -> WrittenReport:
    """Write the report as CSV (UTF-8, CRLF, a heading line from the mapping) atomically."""
    return _write(rows, mapping, (_CsvOutput, target))[0]


def write_report_fixed_width(target: Path, rows: Iterable[DojRow], mapping: DojMapping) -> WrittenReport:
    """Write the report as fixed-width ASCII lines, each `mapping.record_length` bytes, atomically.

    A value wider than its column is refused, naming case, count and field, unless the column
    says `truncate = true`; a non-ASCII value is transliterated or refused as the mapping says.
    """
    return _write(rows, mapping, (_FixedOutput, target))[0]


def write_report_files(
    csv_target: Path, fixed_target: Path, rows: Iterable[DojRow], mapping: DojMapping
) -> tuple[WrittenReport, WrittenReport]:
    """Write both files in one pass over the rows (one read of the decisions); a row refused: neither."""
    csv_file, fixed_file = _write(rows, mapping, (_CsvOutput, csv_target), (_FixedOutput, fixed_target))
    return csv_file, fixed_file


def _write(
    rows: Iterable[DojRow], mapping: DojMapping, *files: tuple[type[_Output], Path]
) -> list[WrittenReport]:
    """Stream the rows into each file at once, each written atomically: all appear, or none."""
    with contextlib.ExitStack() as stack:
        outputs = [
            kind(target, stack.enter_context(atomic_writer(target)), mapping) for kind, target in files
        ]
        for row in rows:
            for output in outputs:
                output.add(row)
    return [output.written() for output in outputs]


def _line(texts: list[str], mapping: DojMapping, *, headings: bool = False) -> str:
    """Return one line: each text padded into its column, spaces in any gap between columns.

    Headings are padded with spaces: a column's `pad` (e.g. "0") is for its values.
    """
    parts: list[str] = []
    for column, gap, text in zip(mapping.columns, mapping.gaps, texts, strict=True):
        padded = text.ljust if column.align == "left" else text.rjust
        parts.append(" " * gap + padded(column.width, " " if headings else column.pad))
    return "".join(parts)


def _fixed(row: DojRow, column: Column, mapping: DojMapping) -> str:
    """Return a row's value for a fixed-width column: ASCII, and no wider than the column."""
    text = cell(row, column.field, mapping)
    where = f"case {row.case_number}, count {row.count}: {column.field}"
    if not (text.isascii() and text.isprintable()):
        if mapping.non_ascii == "refuse" or not text.isprintable():
            raise ReportValueError(f"{where} has characters the fixed-width file cannot hold (ASCII only)")
        text = to_ascii(text)
        if not text.isascii():
            raise ReportValueError(f"{where} has characters with no ASCII form; write it by hand")
    if len(text) > column.width:
        if not column.truncate:
            raise ReportValueError(
                f"{where} is {len(text)} characters, wider than its column ({column.width}); "
                f"widen it in {mapping.source} or set truncate = true for it"
            )
        text = text[: column.width]
    return text


def to_ascii(text: str) -> str:
    """Return text with its accents dropped (María García -> Maria Garcia); other letters stay."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
