"""The decision/v1 input format as typed, validated models (see shared/docs/decision-format.md)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from service.errors import StoredDecisionError

_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def _fail(message: str, field: str | None = None) -> PydanticCustomError:
    """Return a plain-language error; `field` names the sub-field a model-level check is about."""
    return PydanticCustomError("courtdocs", message, {"field": field} if field else None)


def clean_text(value: Any) -> str:
    """Return the text NFC-normalised, refusing anything decision/v1 forbids in text."""
    if not isinstance(value, str):
        raise _fail("must be text")
    for char in value:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise _fail("contains a lone surrogate (broken Unicode)")
        if unicodedata.category(char) == "Cc":
            raise _fail(f"contains a control character (U+{code:04X}); tabs and newlines are not allowed")
        if code in (0xFFFE, 0xFFFF):
            raise _fail(f"contains the non-character U+{code:04X}")
        if char in _BIDI_CONTROLS:
            raise _fail(f"contains a bidirectional control character (U+{code:04X})")
    return unicodedata.normalize("NFC", value)


def _identifier(pattern: str, rule: str) -> Any:
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if any(char in _ZERO_WIDTH for char in value):
            raise _fail("contains a zero-width character")
        if not regex.fullmatch(value):
            raise _fail(f"must be {rule}")
        return value

    return AfterValidator(check)


def _file_name_safe(value: str) -> str:
    # A decision id names files: ".", "..", ".hidden" or "-option" must not get that far
    # (service.files.safe_part refuses them too, but only at render time).
    if not value[:1].isalnum() or ".." in value:
        raise _fail("must start with a letter or digit and not contain .. (it names files)")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise _fail("must not be blank")
    return value


Text = Annotated[str, BeforeValidator(clean_text), AfterValidator(_not_blank)]
Name = Annotated[Text, Field(max_length=200)]
DecisionId = Annotated[
    str,
    BeforeValidator(clean_text),
    _identifier(r"[A-Za-z0-9._-]{1,64}", "1 to 64 characters of A-Z a-z 0-9 . _ -"),
    AfterValidator(_file_name_safe),
]
CourtCode = Annotated[
    str,
    BeforeValidator(clean_text),
    _identifier(r"[A-Za-z0-9_-]{1,32}", "1 to 32 characters of A-Z a-z 0-9 _ -"),
]
CaseNumber = Annotated[
    str,
    BeforeValidator(clean_text),
    _identifier(r"[A-Za-z0-9-]{1,32}", "1 to 32 characters of A-Z a-z 0-9 -"),
]
BarNumber = Annotated[str, BeforeValidator(clean_text), _identifier(r"[0-9]{1,7}", "1 to 7 digits")]
Cii = Annotated[
    str,
    BeforeValidator(clean_text),
    _identifier(r"[A-Z0-9]{1,10}", "1 to 10 characters of A-Z 0-9"),
]
State = Annotated[str, BeforeValidator(clean_text), _identifier(r"[A-Z]{2}", "2 capital letters")]
Zip = Annotated[str, BeforeValidator(clean_text), _identifier(r"[0-9]{5}(-?[0-9]{4})?", "5 or 9 digits")]
LanguageTag = Annotated[
    str,
    BeforeValidator(clean_text),
    _identifier(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", "a BCP 47 language tag such as en, es or zh-Hant"),
]
Section = Annotated[
    str,
    BeforeValidator(clean_text),
    _identifier(
        r"(1135[7-9]|11360)(\([0-9a-z]{1,3}\))*|11362\.1(\([0-9a-z]{1,3}\))*",
        "an HSC section from 11357 to 11360 (optionally with a subdivision such as 11357(b)) or 11362.1",
    ),
]


def _iso_date(value: Any) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _fail("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail("is not a real calendar date") from None


def _iso_datetime(value: Any) -> datetime:
    pattern = (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
        r"(Z|[+-][0-9]{2}:[0-9]{2})"
    )
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise _fail("must be an ISO 8601 date-time with an offset, e.g. 2021-09-20T10:15:00-07:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _fail("is not a real date and time") from None


def _not_in_future(value: date, info: ValidationInfo) -> date:
    if value > today_from(info):
        raise _fail("is in the future")
    return value


PastDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_not_in_future)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]


def today_from(info: ValidationInfo) -> date:
    """Return the date that not-in-the-future checks use: from the context, or the clock."""
    context = info.context or {}
    today = context.get("today")
    if isinstance(today, date):
        return today
    # The latest calendar date anywhere on Earth (UTC+14): a same-day date is never "future".
    return (datetime.now(UTC) + timedelta(hours=14)).date()


class Level(StrEnum):
    FELONY = "felony"
    MISDEMEANOR = "misdemeanor"
    INFRACTION = "infraction"


class Relief(StrEnum):
    DISMISS_AND_SEAL = "dismiss_and_seal"
    REDESIGNATE_MISDEMEANOR = "redesignate_misdemeanor"
    REDESIGNATE_INFRACTION = "redesignate_infraction"
    RESENTENCE = "resentence"


class Basis(StrEnum):
    PETITION = "HSC 11361.8"
    PROSECUTOR_REVIEW = "HSC 11361.9"


# How serious each level is: a redesignation only ever makes a conviction less serious.
_SERIOUSNESS = {Level.FELONY: 2, Level.MISDEMEANOR: 1, Level.INFRACTION: 0}
_A_LEVEL = {Level.FELONY: "a felony", Level.MISDEMEANOR: "a misdemeanor", Level.INFRACTION: "an infraction"}
_REDESIGNATED_AS = {
    Relief.REDESIGNATE_MISDEMEANOR: Level.MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION: Level.INFRACTION,
}
_RELIEF_DONE = {
    Relief.DISMISS_AND_SEAL: "dismissed and sealed",
    Relief.REDESIGNATE_MISDEMEANOR: "redesignated as a misdemeanor",
    Relief.REDESIGNATE_INFRACTION: "redesignated as an infraction",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Approver(_Strict):
    name: Name
    title: Text
    bar_number: BarNumber | None = None


class Agency(_Strict):
    name: Text
    address: list[Text] = Field(default_factory=list, max_length=6)
    phone: Text | None = None


class Court(_Strict):
    code: CourtCode
    county: Text
    name: Text
    courthouse: Text


class Case(_Strict):
    number: CaseNumber
    convicted_on: PastDate


class Address(_Strict):
    lines: list[Text] = Field(min_length=1, max_length=3)
    city: Text
    state: State
    zip: Zip


class Person(_Strict):
    name: Name
    aka: list[Name] = Field(default_factory=list, max_length=20)
    dob: PastDate
    cii: Cii | None = None
    language: LanguageTag = "en"
    notify: StrictBool = True
    address: Address | None = None

    @model_validator(mode="after")
    def _address_when_notified(self) -> Person:
        if self.notify and self.address is None:
            raise _fail("is required when notify is true (the letter needs somewhere to go)", "address")
        return self


class Count(_Strict):
    count: StrictInt = Field(ge=1, le=999)
    code: Literal["HSC"]
    section: Section
    level: Level
    disposition_date: PastDate
    sentence_completed: StrictBool
    relief: Relief

    @model_validator(mode="after")
    def _relief_fits_the_count(self) -> Count:
        """Refuse relief that makes no sense for the count's level or sentence (decision-format.md)."""
        target = _REDESIGNATED_AS.get(self.relief)
        if target is not None and _SERIOUSNESS[self.level] <= _SERIOUSNESS[target]:
            raise _fail(f"{_A_LEVEL[self.level]} cannot be redesignated as {_A_LEVEL[target]}", "relief")
        if self.relief is Relief.RESENTENCE and self.sentence_completed:
            raise _fail(
                "a completed sentence (sentence_completed is true) cannot be recalled and resentenced; "
                "resentence is only for a sentence still being served",
                "relief",
            )
        return self


class Decision(_Strict):
    """One approved decision: one case of one person, with the relief for each count."""

    format: Literal["decision/v1"]
    decision_id: DecisionId
    status: Literal["approved"]
    basis: Basis
    approved_by: Approver
    approved_at: IsoDateTime
    agency: Agency
    court: Court
    case: Case
    person: Person
    counts: list[Count] = Field(min_length=1, max_length=50)

    @field_validator("approved_at")
    @classmethod
    def _approved_not_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        context = info.context or {}
        now = context.get("now")
        now = now if isinstance(now, datetime) else datetime.now(UTC)
        if value > now:
            raise _fail("is in the future")
        return value

    @field_validator("counts")
    @classmethod
    def _unique_counts(cls, counts: list[Count]) -> list[Count]:
        numbers = [count.count for count in counts]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise _fail(f"count numbers must be unique; repeated: {', '.join(map(str, repeated))}")
        return counts

    @field_validator("counts")
    @classmethod
    def _petition_relief_fits_the_sentence(cls, counts: list[Count], info: ValidationInfo) -> list[Count]:
        """Under HSC 11361.8 a sentence still being served is recalled for resentencing, nothing else.

        Under 11361.9 the relief is whatever the Department of Justice identified, so any goes.
        """
        if info.data.get("basis") is not Basis.PETITION:
            return counts
        errors = [
            InitErrorDetails(
                type=_fail(
                    f"under HSC 11361.8 a sentence still being served (sentence_completed is false) "
                    f"is recalled for resentencing (resentence), not {_RELIEF_DONE[count.relief]}"
                ),
                loc=(index, "relief"),
                input=count.relief.value,
            )
            for index, count in enumerate(counts)
            if not count.sentence_completed and count.relief is not Relief.RESENTENCE
        ]
        if errors:
            # One error per count, each at its own path (pydantic merges them into the decision's).
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return counts

    @model_validator(mode="after")
    def _convicted_after_birth(self) -> Decision:
        if self.case.convicted_on <= self.person.dob:
            raise _fail("must be after person.dob (a conviction cannot precede birth)", "case.convicted_on")
        return self

    @property
    def relief_kinds(self) -> list[Relief]:
        """Return each kind of relief this decision grants, in first-seen order."""
        return list(dict.fromkeys(count.relief for count in self.counts))


def from_stored(payload: str) -> Decision:
    """Return a decision stored after validation, never letting pydantic's message out.

    That message quotes the values (names, dates of birth); it must not reach a log or a client.
    """
    try:
        return Decision.model_validate_json(payload)
    except ValidationError:
        raise StoredDecisionError("a stored decision no longer validates against decision/v1") from None
