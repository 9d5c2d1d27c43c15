"""The template context of a letter to one person: what the court's ruling did with their counts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.core.models import Decision
from service.core.ruling import Outcome, Ruling
from service.errors import RenderError
from service.settings import Settings

PHONE_SLOT = "{phone}"  # where a help line of letter/languages.json puts the phone number
_BASE_SECTION = re.compile(r"[0-9]+(\.[0-9]+)?")  # 11357(b) is 11357; 11362.1(a) is 11362.1


def base_section(section: str) -> str:
    """Return a count's code section without its subdivisions: the key of its words."""
    match = _BASE_SECTION.match(section)
    if match is None:
        raise RenderError(f"no code section in {section!r}")
    return match.group(0)


@dataclass(frozen=True)
class LetterContacts:
    """Whom a letter names for help: the public defender, the help phone, DOJ's record review."""

    public_defender_name: str
    public_defender_phone: str
    help_phone: str | None  # None: the office's phone
    doj_record_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> LetterContacts:
        return cls(
            settings.public_defender_name,
            settings.public_defender_phone,
            settings.help_phone,
            settings.doj_record_url,
        )


@dataclass(frozen=True)
class HelpLine:
    """One line of the help block: help offered in a language, in its own script and direction."""

    language: str
    rtl: bool
    before: str  # the words before the phone number
    after: str  # and after it


@dataclass(frozen=True)
class LetterCount:
    """One count of a letter: the charge, named in words and by section, and what the court did."""

    case_number: str
    courthouse: str
    count: int
    section: str  # as filed: HSC 11357(b)
    words: str  # the charge in plain words, in the letter's language
    level: str
    disposition_date: date
    relief: str
    outcome: str  # an Outcome value
    note: str  # what a modified (or other) outcome's ruling says


def help_lines(entries: Mapping[str, tuple[bool, str]]) -> list[HelpLine]:
    """Return the help block's lines from each language's (rtl, text with PHONE_SLOT)."""
    lines = []
    for tag, (rtl, text) in entries.items():
        before, slot, after = text.partition(PHONE_SLOT)
        if not slot:
            raise RenderError(f"the help line of letter language {tag} has no {PHONE_SLOT}")
        lines.append(HelpLine(tag, rtl, before, after))
    return lines


def letter_counts(
    decisions: Sequence[Decision], ruling: Ruling | None, words: Mapping[str, str]
) -> list[LetterCount]:
    """Return every count of the person's cases with its outcome (all granted without a ruling)."""
    rows = []
    for decision in decisions:
        for count in decision.counts:
            outcome = ruling.outcome_of(decision.case.number, count.count) if ruling is not None else None
            key = base_section(count.section)
            if key not in words:
                raise RenderError(f"no plain words for {count.code} {key} in letter/charges.json")
            rows.append(
                LetterCount(
                    case_number=decision.case.number,
                    courthouse=decision.court.courthouse,
                    count=count.count,
                    section=f"{count.code} {count.section}",
                    words=words[key],
                    level=count.level.value,
                    disposition_date=count.disposition_date,
                    relief=count.relief.value,
                    outcome=(outcome.outcome if outcome else Outcome.GRANTED).value,
                    note=outcome.note if outcome else "",
                )
            )
    return rows


def letter_context(
    decisions: Sequence[Decision],
    counts: Sequence[LetterCount],
    *,
    ruling: Ruling | None,
    mailed_on: date | None,
    contacts: LetterContacts,
    draft: bool,
) -> dict[str, Any]:
    """Return the template context of a letter to one person about one or more of their cases.

    With a ruling, the letter is dated `mailed_on` and reports the order signed on the ruling's
    date: the granted counts as changes, every other count with what happened and whom to call.
    Without one (a preview), it is a draft with blank dates, every count shown as asked.
    """
    if not decisions:
        raise RenderError("a letter needs at least one decision")
    if ruling is not None:
        other = sorted({d.court.code for d in decisions if d.court.code != ruling.court_code})
        if other:
            raise RenderError(
                f"a letter reports the ruling of court {ruling.court_code} only, "
                f"not a case of court {other[0]}"
            )
    latest = max(decisions, key=lambda decision: decision.approved_at)
    granted = [count for count in counts if count.outcome == Outcome.GRANTED]
    return {
        "person": decisions[0].person,
        "cases": list(decisions),
        "court": decisions[0].court,
        "agency": latest.agency,
        "granted": granted,
        "not_granted": [count for count in counts if count.outcome != Outcome.GRANTED],
        "reliefs": list(dict.fromkeys(count.relief for count in granted)),
        "sent_on": mailed_on,
        "ordered_on": ruling.signed_on if ruling is not None else None,
        "contacts": contacts,
        "help_phone": contacts.help_phone or latest.agency.phone or contacts.public_defender_phone,
        "created": latest.approved_at.isoformat(),
        "draft": draft or ruling is None,
    }
