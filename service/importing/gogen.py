"""One row of gogen's Prop64_Results (or All_Results) file: a count to import, or why it is not.

gogen (codeforamerica/gogen) writes the DOJ research file's columns followed by 19 eligibility
columns, one row per conviction count (exporter/doj_writer.go: DojFullHeaders, EligiblityHeaders;
exporter/data_exporter.go: Export). Where each value comes from is in docs/import.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from service.core.models import Count, Level, Relief
from service.core.validation import field_errors
from service.errors import InvalidInputError
from service.importing.office import Office
from service.importing.tables import Row, fail

DETERMINATION = "Eligibility Determination"
CASE_NUMBER = "Case Number"
CONVICTED = "Date of Conviction"
DECEASED = "Deceased"
REQUIRED = (
    "CII_NUMBER",
    "PRI_NAME",
    "PRI_DOB",
    "STP_ORI_DESCR",
    "OFFENSE_DESCR",
    "CONV_STAT_DESCR",
    CASE_NUMBER,
    CONVICTED,
    DECEASED,
    DETERMINATION,
)
CII = re.compile(r"[A-Z0-9]{1,10}")
# "11357 HS", "11360(A) HS", "11357(B)HS": the section, its subdivisions, then the code.
_SECTION = re.compile(r"\s*(1135[7-9]|11360|11362\.1)\s*((?:\([0-9A-Za-z]{1,3}\))*)\s*HS\b", re.IGNORECASE)
_LEVELS = {"FELONY": Level.FELONY, "MISDEMEANOR": Level.MISDEMEANOR, "INFRACTION": Level.INFRACTION}
_TOC = {"F": Level.FELONY, "M": Level.MISDEMEANOR, "I": Level.INFRACTION}
GOGEN_ZERO_DATE = "01/01/0001"  # what gogen writes for a conviction without a date (Go's zero time)

# Why a row is not turned into a count (besides a determination the office does not approve,
# whose reason is the determination itself, e.g. "Not eligible").
NO_COURT = "no court mapping"
NO_CASE = "case number unclear"
NOT_PROP64 = "not an HSC 11357-11360 or 11362.1 section"
NO_LEVEL = "conviction level unknown"
NO_DATE = "no conviction date"
RELIEF_MISFIT = "relief does not fit the count"
COUNT_REJECTED = "count rejected by decision/v1"


@dataclass(frozen=True)
class Facts:
    """What a row says about its person: read from every row, for names (AKAs) and the deceased mark."""

    cii: str
    name: str
    dob: str  # ISO; "" on a row without a determination (not checked there)
    deceased: bool


@dataclass(frozen=True)
class CountRow:
    """A count ready to be grouped into its case's decision."""

    line: int
    cii: str
    court: str
    case_number: str
    number: int | None  # from CNT_ORDER's last three digits, when present
    convicted_on: str
    count: dict[str, Any]  # decision/v1 count without its number


@dataclass(frozen=True)
class Review:
    """A row (or person) not turned into a decision, and why."""

    line: int | None
    cii: str
    case_number: str
    reason: str
    detail: str = ""


def facts_of(row: Row, label: str, *, with_dob: bool) -> Facts:
    """Return the person facts of a row; raise InvalidInputError for a bad CII or date of birth."""
    cii = row.get("CII_NUMBER").upper()
    if not CII.fullmatch(cii):
        raise fail(label, row.line, "CII_NUMBER", "is not a CII number (1 to 10 letters A-Z and digits)")
    dob = doj_date(row, "PRI_DOB", label).isoformat() if with_dob else ""
    return Facts(cii, display_name(row.get("PRI_NAME")), dob, row.get(DECEASED).casefold() == "deceased")


def display_name(doj_name: str) -> str:
    """Return a DOJ name (family name first: GARCIA,MARIA ELENA) in reading order: MARIA ELENA GARCIA."""
    family, comma, given = doj_name.partition(",")
    return " ".join(f"{given.strip()} {family.strip()}".split()) if comma else " ".join(doj_name.split())


def doj_date(row: Row, column: str, label: str) -> date:
    """Return a DOJ date column (YYYYMMDD; YYYY-MM-DD from a spreadsheet's date cell)."""
    text = row.get(column)
    for pattern in (r"([0-9]{4})([0-9]{2})([0-9]{2})", r"([0-9]{4})-([0-9]{2})-([0-9]{2})"):
        found = re.fullmatch(pattern, text)
        if found:
            try:
                return date(*(int(part) for part in found.groups()))
            except ValueError:
                break
    raise fail(label, row.line, column, f"is not a date written YYYYMMDD (got {text!r})")


def conviction_date(row: Row, label: str) -> date | None:
    """Return gogen's "Date of Conviction" (MM/DD/YYYY); None when gogen had none (01/01/0001, or empty)."""
    text = row.get(CONVICTED)
    if text in ("", GOGEN_ZERO_DATE):
        return None
    us = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
    iso = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    try:
        if us:
            return date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
        if iso:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise fail(label, row.line, CONVICTED, f"is not a date written MM/DD/YYYY (got {text!r})")


def count_of(row: Row, facts: Facts, office: Office, label: str) -> CountRow | Review:
    """Return the row as a count of its case, or why it is not one (dates raise InvalidInputError)."""
    determination = row.get(DETERMINATION)
    convicted = conviction_date(row, label)
    disposed = doj_date(row, "DISP_DATE", label) if row.get("DISP_DATE") else None
    case_number, why = _case_number(row)

    def review(reason: str, detail: str = "") -> Review:
        return Review(row.line, facts.cii, case_number, reason, detail)

    if determination not in office.determinations:
        return review(determination, row.get("Eligibility Reason"))
    if why:
        return review(NO_CASE, why)
    court = office.court_for(row.get("STP_ORI_DESCR"), case_number)
    if court is None:
        return review(NO_COURT, f"STP_ORI_DESCR {row.get('STP_ORI_DESCR')!r}")
    section = _section(row)
    if section is None:
        return review(NOT_PROP64, _offense_text(row))
    level = _level(row)
    if level is None:
        return review(NO_LEVEL, f"CONV_STAT_DESCR {row.get('CONV_STAT_DESCR')!r}")
    convicted = convicted or disposed
    if convicted is None:
        return review(NO_DATE)
    relief = office.relief_for(determination, level) or ""
    count = {
        "code": "HSC",
        "section": section,
        "level": level.value,
        "disposition_date": (disposed or convicted).isoformat(),
        "sentence_completed": relief != Relief.RESENTENCE.value,
        "relief": relief,
    }
    try:
        Count.model_validate({"count": 1, **count})
    except ValidationError as error:
        errors = field_errors(error)
        reason = RELIEF_MISFIT if any(e.path == "relief" for e in errors) else COUNT_REJECTED
        return review(reason, "; ".join(str(e) for e in errors))
    number = row.get("CNT_ORDER")
    counted = int(number[-3:]) if re.fullmatch(r"[0-9]{9}", number) and int(number[-3:]) else None
    return CountRow(row.line, facts.cii, court.code, case_number, counted, convicted.isoformat(), count)


def _case_number(row: Row) -> tuple[str, str]:
    """Return the row's case number, or "" and why: gogen joins a court event's numbers with "; "."""
    numbers = [part.strip() for part in row.get(CASE_NUMBER).split(";") if part.strip()]
    if len(numbers) == 1:
        return numbers[0], ""
    if not numbers:
        return "", "the Case Number cell is empty"
    own = [row.get(column) for column in ("OFN", "FE_NUM_CRT_CASE") if row.get(column) in numbers]
    if own:
        return own[0], ""
    return "", (
        f"the Case Number cell holds {len(numbers)} numbers and neither OFN nor FE_NUM_CRT_CASE "
        "says which one this count is on"
    )


def _offense_text(row: Row) -> str:
    """Return the text gogen reads the code section from (doj_row.go: findCodeSection)."""
    offense = row.get("OFFENSE_DESCR")
    if offense.strip() in ("", "SEE COMMENT FOR CHARGE"):
        offense = row.get("COMMENT_TEXT")
    return offense.split("-")[0].strip()


def _section(row: Row) -> str | None:
    found = _SECTION.match(_offense_text(row))
    return f"{found.group(1)}{found.group(2).lower()}" if found else None


def _level(row: Row) -> Level | None:
    """Felony, misdemeanor or infraction: CONV_STAT_DESCR, else OFFENSE_TOC (doj_row.go: isFelony)."""
    status = row.get("CONV_STAT_DESCR").upper()
    if status:
        return _LEVELS.get(status)
    return _TOC.get(row.get("OFFENSE_TOC").upper())


def validation_detail(error: InvalidInputError) -> str:
    """Return the validator's messages for a rejected decision, one after the other."""
    return "; ".join(str(field) for field in error.errors)
