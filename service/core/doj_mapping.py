"""The DOJ report's mapping file: which fields become which columns, with what headings and widths.

DOJ prescribes the format of disposition reports (PC 13151) but publishes no electronic one, so
a court's format is written down in a TOML mapping (the shipped default is
templates/doj/mapping.toml; the setting COURTDOCS_DOJ_MAPPING names another). Every error is
collected and reported with the key it is about, e.g. `columns[2].width`. docs/doj-report.md
documents every key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from service.core.doj import DISPOSITION_TEXT, FIELDS, Disposition
from service.errors import MappingError

FORMAT = "courtdocs-doj-mapping/1"
DATE_FORMATS = {
    "YYYYMMDD": "%Y%m%d",
    "YYYY-MM-DD": "%Y-%m-%d",
    "MM/DD/YYYY": "%m/%d/%Y",
    "MMDDYYYY": "%m%d%Y",
}
LINE_ENDINGS = {"crlf": "\r\n", "lf": "\n"}
NON_ASCII = ("transliterate", "refuse")  # how the fixed-width file writes a name like "García"
MAX_WIDTH = 999  # characters in one fixed-width column
MAX_COLUMNS = 100

_TOP = {"format", "date_format", "fixed_width", "dispositions", "columns"}
_FIXED = {"header", "line_ending", "non_ascii"}
_COLUMN = {"field", "heading", "width", "start", "align", "pad", "truncate"}

Align = Literal["left", "right"]
Fail = Callable[[str, str], None]


@dataclass(frozen=True)
class Column:
    """One column: the field it holds, its CSV heading, and its place in a fixed-width line."""

    field: str
    heading: str
    start: int  # 1-based position of its first character in a fixed-width line
    width: int
    align: Align = "left"
    pad: str = " "
    truncate: bool = False  # cut a value longer than width instead of refusing it

    @property
    def end(self) -> int:
        """Return the 1-based position of its last character."""
        return self.start + self.width - 1


@dataclass(frozen=True)
class DojMapping:
    """A checked mapping: the columns in order, and how dates, dispositions and lines are written."""

    source: str  # the file it was read from, for messages
    columns: tuple[Column, ...]
    date_format: str = "YYYYMMDD"
    header: bool = False  # whether the fixed-width file starts with a line of headings
    line_ending: str = "crlf"
    non_ascii: str = "transliterate"
    dispositions: tuple[tuple[Disposition, str], ...] = tuple(DISPOSITION_TEXT.items())

    @property
    def fields(self) -> frozenset[str]:
        """Return the fields the columns name: only these are read from the decisions."""
        return frozenset(column.field for column in self.columns)

    @property
    def record_length(self) -> int:
        """Return the characters (bytes) of one fixed-width line without its line ending."""
        return max(column.end for column in self.columns)

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    @cached_property
    def gaps(self) -> tuple[int, ...]:
        """Return the spaces before each column (beyond the column before it), in order."""
        ends = [0, *(column.end for column in self.columns)]
        return tuple(column.start - 1 - end for column, end in zip(self.columns, ends, strict=False))

    @cached_property
    def _words(self) -> dict[Disposition, str]:
        return dict(self.dispositions)

    def disposition_text(self, disposition: Disposition) -> str:
        """Return the words this mapping writes for a disposition."""
        return self._words[disposition]

    def format_date(self, value: date) -> str:
        return value.strftime(DATE_FORMATS[self.date_format])


def load_mapping(path: Path) -> DojMapping:
    """Read and check a mapping file; raise MappingError naming every wrong key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise MappingError(path.name, [f"cannot be read ({error.strerror or error})"]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MappingError(path.name, [f"is not valid TOML ({error})"]) from None
    return parse_mapping(data, path.name)


def parse_mapping(data: dict[str, Any], source: str = "mapping.toml") -> DojMapping:
    """Check a parsed mapping, collecting every error with its key."""
    errors: list[str] = []

    def fail(key: str, message: str) -> None:
        errors.append(f"{key}: {message}")

    _unknown(data, _TOP, "", fail)
    if data.get("format") != FORMAT:
        fail("format", f"must be {FORMAT!r}")
    date_format = _choice(data, "date_format", tuple(DATE_FORMATS), "YYYYMMDD", "", fail)
    fixed = _table(data, "fixed_width", fail)
    _unknown(fixed, _FIXED, "fixed_width.", fail)
    header = _bool(fixed, "header", False, "fixed_width.", fail)
    line_ending = _choice(fixed, "line_ending", tuple(LINE_ENDINGS), "crlf", "fixed_width.", fail)
    non_ascii = _choice(fixed, "non_ascii", NON_ASCII, "transliterate", "fixed_width.", fail)
    dispositions = _dispositions(_table(data, "dispositions", fail), fail)
    columns = _columns(data.get("columns"), header, fail)
    if errors:
        raise MappingError(source, errors)
    return DojMapping(source, columns, date_format, header, line_ending, non_ascii, dispositions)


def _unknown(table: dict[str, Any], known: set[str], where: str, fail: Fail) -> None:
    for key in sorted(set(table) - known):
        fail(f"{where}{key}", f"is not a key here (known: {', '.join(sorted(known))})")


def _table(data: dict[str, Any], key: str, fail: Fail) -> dict[str, Any]:
    value = data.get(key, {})
    if isinstance(value, dict):
        return value
    fail(key, "must be a table")
    return {}


def _choice(
    table: dict[str, Any], key: str, choices: tuple[str, ...], default: str, where: str, fail: Fail
) -> str:
    value = table.get(key, default)
    if value in choices:
        return str(value)
    fail(f"{where}{key}", f"must be one of {', '.join(repr(c) for c in choices)}")
    return default


def _bool(table: dict[str, Any], key: str, default: bool, where: str, fail: Fail) -> bool:
    value = table.get(key, default)
    if isinstance(value, bool):
        return value
    fail(f"{where}{key}", "must be true or false")
    return default


def _text(value: Any, key: str, fail: Fail, *, ascii_only: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        fail(key, "must be a non-blank text")
        return ""
    if not value.isprintable():
        fail(key, "must not contain control characters")
    elif ascii_only and not value.isascii():
        fail(key, "must be ASCII (it is written in the fixed-width file)")
    return value


def _dispositions(table: dict[str, Any], fail: Fail) -> tuple[tuple[Disposition, str], ...]:
    known = {d.value for d in Disposition}
    _unknown(table, known, "dispositions.", fail)
    words = dict(DISPOSITION_TEXT)
    for key in sorted(known & set(table)):
        words[Disposition(key)] = _text(table[key], f"dispositions.{key}", fail)
    return tuple(words.items())


def _columns(value: Any, header: bool, fail: Fail) -> tuple[Column, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        fail("columns", "must be 1 or more [[columns]] tables")
        return ()
    if len(value) > MAX_COLUMNS:
        fail("columns", f"must be at most {MAX_COLUMNS}")
    columns: list[Column] = []
    next_start = 1
    for index, table in enumerate(value):
        column = _column(table, f"columns[{index}]", next_start, header, fail)
        if column is not None:
            columns.append(column)
            next_start = column.end + 1
    return tuple(columns)


def _column(table: dict[str, Any], where: str, next_start: int, header: bool, fail: Fail) -> Column | None:
    _unknown(table, _COLUMN, f"{where}.", fail)
    field = table.get("field")
    if field not in FIELDS:
        fail(f"{where}.field", f"must be one of the fields: {', '.join(FIELDS)}")
    heading = _text(table.get("heading"), f"{where}.heading", fail, ascii_only=header)
    width = table.get("width")
    if not (isinstance(width, int) and not isinstance(width, bool) and 1 <= width <= MAX_WIDTH):
        fail(f"{where}.width", f"must be a whole number from 1 to {MAX_WIDTH}")
        width = 0
    start = table.get("start", next_start)
    if not (isinstance(start, int) and not isinstance(start, bool) and start >= next_start):
        fail(f"{where}.start", f"must be a whole number of at least {next_start} (columns must not overlap)")
        start = next_start
    align = table.get("align", "left")
    if align not in ("left", "right"):
        fail(f"{where}.align", "must be 'left' or 'right'")
    pad = table.get("pad", " ")
    if not (isinstance(pad, str) and len(pad) == 1 and pad.isascii() and pad.isprintable()):
        fail(f"{where}.pad", "must be one printable ASCII character, e.g. ' ' or '0'")
    truncate = _bool(table, "truncate", False, f"{where}.", fail)
    if header and heading and width and len(heading) > width:
        fail(f"{where}.heading", f"is {len(heading)} characters, wider than the column's width {width}")
    if field not in FIELDS or not heading or not width or align not in ("left", "right"):
        return None
    return Column(str(field), heading, start, width, align, str(pad), truncate)
