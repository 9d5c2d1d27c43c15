"""Read a batch file of decisions and validate all of it, reporting every error with its place."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from service.core.models import Decision
from service.errors import DuplicateKeyError, FieldError, InvalidInputError

_ENUM_FIELDS = {
    "basis": "HSC 11361.8 or HSC 11361.9",
    "level": "felony, misdemeanor or infraction",
    "relief": "dismiss_and_seal, redesignate_misdemeanor, redesignate_infraction or resentence",
}


@dataclass(frozen=True)
class Record:
    """One raw decision from a file: where it stood, and its parsed JSON or why it did not parse."""

    position: str
    value: Any = None
    parse_error: str | None = None


@dataclass
class ValidationReport:
    """The outcome of validating a whole file: the valid decisions and every error."""

    decisions: list[Decision] = field(default_factory=list)  # empty when validated without keeping them
    errors: list[FieldError] = field(default_factory=list)
    rejected_positions: list[str] = field(default_factory=list)
    valid: int = 0  # decisions that passed, kept or not

    @property
    def ok(self) -> bool:
        return not self.errors


def read_records(path: Path) -> Iterator[Record]:
    """Yield the records of a .json (object or array) or .jsonl file; JSON Lines line by line."""
    if path.suffix.lower() == ".jsonl":
        with path.open("rb") as stream:
            yield from records_from_lines(stream)
        return
    yield from records_from_json(path.read_bytes())


def records_from_lines(lines: Iterable[bytes]) -> Iterator[Record]:
    """Yield one record for each non-blank line of JSON Lines."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        position = f"line {number}"
        try:
            yield Record(position, _loads(raw.rstrip(b"\r\n")))
        except (
            UnicodeDecodeError,
            json.JSONDecodeError,
            DuplicateKeyError,
            RecursionError,
        ) as error:
            # The position already names the line; the reason gives only the column.
            reason = _json_reason(error, in_line=True)
            yield Record(position, parse_error=f"is not valid JSON ({reason})")


def records_from_json(data: bytes) -> Iterator[Record]:
    """Yield the records of a JSON document: one object, or an array of them."""
    try:
        document = _loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, DuplicateKeyError, RecursionError) as error:
        yield Record("file", parse_error=f"is not valid JSON ({_json_reason(error)})")
        return
    if isinstance(document, dict):
        yield Record("", document)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield Record(f"index {index}", value)
    else:
        yield Record("file", parse_error="must be a decision object or an array of decisions")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _loads(data: bytes) -> Any:
    """Parse JSON, refusing repeated keys."""
    return json.loads(data, object_pairs_hook=_unique_keys)


def _json_reason(error: ValueError | RecursionError | DuplicateKeyError, *, in_line: bool = False) -> str:
    if isinstance(error, json.JSONDecodeError):
        reason = error.msg.removesuffix(" at")  # "Invalid control character at"
        if in_line:
            return f"{reason} at column {error.colno}"
        return f"{reason} at line {error.lineno} column {error.colno}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, DuplicateKeyError):
        return str(error)
    return "not UTF-8 text"


def validate_records(
    records: Iterable[Record],
    *,
    today: date | None = None,
    now: datetime | None = None,
    max_decisions: int | None = None,
    keep_decisions: bool = True,
) -> ValidationReport:
    """Validate every record and the rules that span a batch, collecting every error.

    Without keep_decisions, only identifiers are kept, so memory stays flat for a file of any size.
    """
    report = ValidationReport()
    seen_ids: dict[str, str] = {}
    seen_cases: dict[tuple[str, str], str] = {}
    context = {"today": today, "now": now}
    for number, record in enumerate(records, start=1):
        if max_decisions is not None and number > max_decisions:
            message = f"holds more than {max_decisions} decisions; split it into smaller batches"
            report.errors.append(FieldError("file", None, "", message))
            break
        decision, errors = _validate_record(record, context)
        if decision is not None:
            errors = _batch_errors(record.position, decision, seen_ids, seen_cases)
        if errors:
            report.errors.extend(errors)
            report.rejected_positions.append(record.position)
        elif decision is not None:
            report.valid += 1
            if keep_decisions:
                report.decisions.append(decision)
    if not report.errors and not report.valid:
        report.errors.append(FieldError("file", None, "", "holds no decisions (the batch is empty)"))
    return report


def _validate_record(record: Record, context: dict[str, Any]) -> tuple[Decision | None, list[FieldError]]:
    if record.parse_error:
        return None, [FieldError(record.position, None, "", record.parse_error)]
    if not isinstance(record.value, dict):
        return None, [FieldError(record.position, None, "", "must be a JSON object (one decision)")]
    try:
        return Decision.model_validate(record.value, context=context), []
    except ValidationError as error:
        return None, field_errors(error, record.position, _readable_id(record.value))


def _batch_errors(
    position: str,
    decision: Decision,
    seen_ids: dict[str, str],
    seen_cases: dict[tuple[str, str], str],
) -> list[FieldError]:
    errors = []
    first = seen_ids.setdefault(decision.decision_id, position)
    if first != position:
        errors.append(
            FieldError(position, decision.decision_id, "decision_id", f"is repeated (first at {first})")
        )
    case_key = (decision.court.code, decision.case.number)
    first_case = seen_cases.setdefault(case_key, position)
    if first_case != position:
        errors.append(
            FieldError(
                position,
                decision.decision_id,
                "case.number",
                f"is repeated for court {decision.court.code} (first at {first_case}); one decision per case",
            )
        )
    return errors


def _readable_id(value: Any) -> str | None:
    if isinstance(value, dict):
        candidate = value.get("decision_id")
        if isinstance(candidate, str) and 0 < len(candidate) <= 64 and candidate.isprintable():
            return candidate
    return None


def field_errors(
    error: ValidationError, position: str = "", decision_id: str | None = None
) -> list[FieldError]:
    """Return every error of a pydantic model's validation in plain words, each naming its field."""
    return [_field_error(position, decision_id, detail) for detail in error.errors()]


def _field_error(position: str, decision_id: str | None, detail: ErrorDetails) -> FieldError:
    location = list(detail["loc"])
    context = detail.get("ctx") or {}
    if context.get("field"):
        location.extend(str(context["field"]).split("."))
    return FieldError(position, decision_id, field_path(location), _plain_message(location, detail))


def field_path(location: Iterable[int | str]) -> str:
    """Return a path such as counts[1].relief for pydantic's ('counts', 1, 'relief')."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith(("function-", "constrained-")):
            path += f".{part}" if path else part
    return path


def _plain_message(location: list[int | str], detail: ErrorDetails) -> str:
    kind = detail["type"]
    last = str(location[-1]) if location else ""
    context = detail.get("ctx") or {}
    if kind == "courtdocs":
        return detail["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of decision/v1 (unknown fields are rejected; check the spelling)"
    if kind == "literal_error" and last == "status":
        return f"must be approved; only approved decisions may be rendered (got {detail['input']!r})"
    if kind == "literal_error":
        return f"must be exactly {context.get('expected', '')}".replace("'", "")
    if kind == "enum":
        return f"must be one of {_ENUM_FIELDS.get(last, context.get('expected', ''))}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind == "string_pattern_mismatch" and last == "email":
        return "must be an email address, such as name@example.org"
    if kind == "bool_type":
        return "must be true or false"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be an object"
    if kind == "too_short":
        return f"must have at least {context.get('min_length')} item(s)"
    if kind == "too_long" and isinstance(detail["input"], str):
        return f"must be at most {context.get('max_length')} characters"
    if kind == "too_long":
        return f"must have at most {context.get('max_length')} item(s)"
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"must be from 1 to 999 (got {detail['input']!r})"
    return detail["msg"]


def validate_file(
    path: Path, *, today: date | None = None, now: datetime | None = None, keep_decisions: bool = True
) -> ValidationReport:
    """Validate a whole batch file, reading JSON Lines one line at a time."""
    return validate_records(read_records(path), today=today, now=now, keep_decisions=keep_decisions)


def load_decisions(path: Path) -> list[Decision]:
    """Return every decision of a file, or raise InvalidInputError listing every error."""
    report = validate_file(path)
    if not report.ok:
        raise InvalidInputError(report.errors)
    return report.decisions


def parse_decision(value: Any, *, today: date | None = None, now: datetime | None = None) -> Decision:
    """Validate one decision object, raising InvalidInputError with every error."""
    report = validate_records([Record("", value)], today=today, now=now)
    if not report.ok:
        raise InvalidInputError(report.errors)
    return report.decisions[0]
