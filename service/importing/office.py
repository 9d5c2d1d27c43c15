"""OFFICE.toml: what the office decides once for a whole import (docs/import.md has an example).

Every key is checked: an unknown or missing one is an InvalidInputError naming the key, so a typo
is caught instead of silently falling back to a default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from service.core.models import Basis, Level, Relief
from service.errors import FieldError, InvalidInputError

# The relief for "Eligible for Reduction" by default: one level down (decision-format.md: nothing is
# redesignated as what it already is, so an infraction cannot be reduced and goes to review).
REDESIGNATE = "redesignate"
ONE_LEVEL_DOWN = {
    Level.FELONY: Relief.REDESIGNATE_MISDEMEANOR,
    Level.MISDEMEANOR: Relief.REDESIGNATE_INFRACTION,
}
DEFAULT_DETERMINATIONS = {
    "Eligible for Dismissal": Relief.DISMISS_AND_SEAL.value,
    "Eligible for Reduction": REDESIGNATE,
}
RELIEF_CHOICES = [REDESIGNATE, *(relief.value for relief in Relief)]

_TOP = {"id_prefix", "basis", "approved_at", "approved_by", "agency", "determinations", "courts"}
_APPROVER = {"name", "title", "bar_number"}
_AGENCY = {"name", "address", "phone"}
_COURT = {"code", "county", "name", "courthouse", "ori", "case_prefix"}


@dataclass(frozen=True)
class CourtRule:
    """One court of the office: matched by the DOJ court description (ORI) or a case-number prefix."""

    code: str
    county: str
    name: str
    courthouse: str
    ori: str | None  # STP_ORI_DESCR, compared without case and outer spaces
    case_prefix: str | None

    def as_court(self) -> dict[str, str]:
        return {"code": self.code, "county": self.county, "name": self.name, "courthouse": self.courthouse}


@dataclass(frozen=True)
class Office:
    """The office's settings for an import, as read from OFFICE.toml."""

    id_prefix: str
    basis: str
    approved_at: str  # ISO 8601 with offset
    approved_by: dict[str, str]
    agency: dict[str, Any]
    determinations: dict[str, str]  # determination -> relief value or REDESIGNATE
    courts: tuple[CourtRule, ...]

    def court_for(self, ori_description: str, case_number: str) -> CourtRule | None:
        """Return the court of a count: the longest matching case-number prefix, else its ORI."""
        by_prefix = [
            rule for rule in self.courts if rule.case_prefix and case_number.startswith(rule.case_prefix)
        ]
        if by_prefix:
            return max(by_prefix, key=lambda rule: len(rule.case_prefix or ""))
        wanted = ori_description.strip().casefold()
        return next((rule for rule in self.courts if rule.ori and rule.ori.casefold() == wanted), None)

    def relief_for(self, determination: str, level: Level) -> str | None:
        """Return the relief approved for a determination at a level; None if not approved.

        REDESIGNATE at a level that cannot go lower returns "redesignate_infraction", which the
        count's own validation refuses with decision/v1's words.
        """
        relief = self.determinations.get(determination)
        if relief == REDESIGNATE:
            return ONE_LEVEL_DOWN.get(level, Relief.REDESIGNATE_INFRACTION).value
        return relief


def read_office(path: Path) -> Office:
    """Read and check OFFICE.toml; raise InvalidInputError naming every wrong key."""
    label = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInputError([FieldError(label, None, "", f"is not valid TOML ({error})")]) from None
    return parse_office(data, label)


def parse_office(data: dict[str, Any], label: str = "OFFICE.toml") -> Office:
    """Check a parsed OFFICE.toml, collecting every error."""
    errors: list[FieldError] = []

    def fail(key: str, message: str) -> None:
        errors.append(FieldError(label, None, key, message))

    _keys(data, _TOP, {"basis", "approved_at", "approved_by", "agency", "courts"}, "", fail)
    approver = _table(data, "approved_by", _APPROVER, {"name", "title", "bar_number"}, fail)
    agency = _table(data, "agency", _AGENCY, {"name"}, fail)
    basis = _text(data, "basis", fail)
    if basis and basis not in {b.value for b in Basis}:
        fail("basis", f"must be {Basis.PETITION.value} or {Basis.PROSECUTOR_REVIEW.value}")
    approved_at = _approved_at(data.get("approved_at"), fail)
    determinations = _determinations(data.get("determinations", DEFAULT_DETERMINATIONS), fail)
    courts = _courts(data.get("courts"), fail)
    prefix = data.get("id_prefix", "gogen")
    if not (isinstance(prefix, str) and prefix.isascii() and prefix.isalnum() and len(prefix) <= 16):
        fail("id_prefix", "must be 1 to 16 letters or digits (it starts every decision_id)")
    if errors:
        raise InvalidInputError(errors)
    return Office(str(prefix), basis, approved_at, approver, agency, determinations, courts)


def _keys(table: dict[str, Any], known: set[str], required: set[str], where: str, fail: Any) -> None:
    for key in sorted(set(table) - known):
        fail(f"{where}{key}", f"is not a key of OFFICE.toml (known here: {', '.join(sorted(known))})")
    for key in sorted(required - set(table)):
        fail(f"{where}{key}", "is required")


def _table(data: dict[str, Any], key: str, known: set[str], required: set[str], fail: Any) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(key, "must be a table")
        return {}
    _keys(value, known, required, f"{key}.", fail)
    for name in sorted(known & set(value)):
        text = value[name]
        if name == "address":
            if not isinstance(text, list) or not all(isinstance(line, str) for line in text):
                fail(f"{key}.{name}", "must be a list of text lines")
        elif not isinstance(text, str):
            fail(f"{key}.{name}", 'must be text (in quotes, e.g. bar_number = "287654")')
    return {name: text for name, text in value.items() if name in known}  # in the file's order


def _text(data: dict[str, Any], key: str, fail: Any) -> str:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        fail(key, "must be text")
        return ""
    return value or ""


def _approved_at(value: Any, fail: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            fail("approved_at", "must be a date and time with an offset, e.g. 2021-09-20T10:15:00-07:00")
            return ""
    if not isinstance(value, datetime) or value.tzinfo is None:
        fail("approved_at", "must be a date and time with an offset, e.g. 2021-09-20T10:15:00-07:00")
        return ""
    return value.isoformat()


def _determinations(value: Any, fail: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        fail("determinations", "must be a table of determination = relief")
        return {}
    for determination, relief in value.items():
        if relief not in RELIEF_CHOICES:
            fail(f"determinations.{determination}", f"must be one of {', '.join(RELIEF_CHOICES)}")
    return dict(value)


def _courts(value: Any, fail: Any) -> tuple[CourtRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        fail("courts", "must be an array of tables ([[courts]])")
        return ()
    rules = []
    for index, item in enumerate(value):
        where = f"courts[{index}]."
        _keys(item, _COURT, {"code", "county", "name", "courthouse"}, where, fail)
        if not any(isinstance(item.get(key), str) and item[key].strip() for key in ("ori", "case_prefix")):
            fail(f"courts[{index}]", "needs ori (the DOJ court description) or case_prefix, or both")
        texts = {key: item.get(key) for key in _COURT}
        wrong = [key for key, text in texts.items() if text is not None and not isinstance(text, str)]
        for key in wrong:
            fail(f"{where}{key}", "must be text")
        if wrong:
            continue
        rules.append(
            CourtRule(
                code=texts["code"] or "",
                county=texts["county"] or "",
                name=texts["name"] or "",
                courthouse=texts["courthouse"] or "",
                ori=(texts["ori"] or "").strip() or None,
                case_prefix=(texts["case_prefix"] or "").strip() or None,
            )
        )
    return tuple(rules)
