"""What a letter says after the court's ruling, in every language: the granted counts as changes,
each named in plain words and by section; a denied, not found or modified count with what
happened and whom to call; no good news for a person nothing was granted; the help lines of the
county's languages and the public defender's contact from the settings."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from pydantic import TypeAdapter, ValidationError

from service.core.models import Decision, Section
from service.core.ruling import CountOutcome, Outcome
from service.core.validation import parse_decision
from service.errors import RenderError
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.docx import parse_html
from service.render.letters import base_section
from service.render.templating import long_date
from service.settings import Settings
from tests.unit.render.test_letters import (
    APPROVED_ON,
    BLANK_DATE,
    LETTERS,
    MAILED_ON,
    RELIEFS,
    SIGNED_ON,
    compact,
    every_relief,
    ruling_of,
    sample_decision,
    text_of,
)

CONTACTS = {
    "public_defender_name": "Example County Public Defender",
    "public_defender_phone": "(555) 010-0199",
    "help_phone": "(555) 010-0123",
    "doj_record_url": "example.org/record-review",
}
# The sections of the counts of the mixed letter: four granted (one per relief), then the others.
GRANTED_SECTIONS = ("11359", "11358", "11357(b)", "11362.1")
DENIED, NOT_FOUND, MODIFIED = 5, 6, 7
NOTE = "Reduced to a misdemeanor; not sealed."
# Words of the letters before the ruling existed, in every language: announced a change as agreed
# to, or as good news, before any judge had signed.
OLD_PHRASES = (
    "Good news",
    "has been dismissed",
    "and we agree",
    "asked the court to make the changes listed below",
    "Buenas noticias",
    "y nosotros estamos de acuerdo",
    "좋은 소식",
    "저희는 이에 동의합니다",
    "好消息",
    "而我們同意",
    "而我们同意",
    "Լավ լուր",
    "և մենք համաձայն ենք",
    "Tin vui",
    "và chúng tôi đồng ý",
    "خبر خوب",
    "و ما موافقیم",
)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(
        Settings(
            public_defender_name=CONTACTS["public_defender_name"],
            public_defender_phone=CONTACTS["public_defender_phone"],
            help_phone=CONTACTS["help_phone"],
            doj_record_url=CONTACTS["doj_record_url"],
        )
    )


def mixed_value(language: str) -> dict[str, Any]:
    """Return a person's decision with four counts to grant and a denied, not found and modified one."""
    value = sample_decision(language, LETTERS[language][0])
    counts = every_relief(value["counts"][0])
    for count, section in zip(counts, GRANTED_SECTIONS, strict=True):
        count["section"] = section
    counts += [
        dict(counts[0], count=DENIED, section="11360"),
        dict(counts[0], count=NOT_FOUND, section="11357"),
        dict(counts[0], count=MODIFIED, section="11358"),
    ]
    value["counts"] = counts
    return value


def mixed_exceptions(decision: Decision) -> tuple[CountOutcome, ...]:
    number = decision.case.number
    return (
        CountOutcome(number, DENIED, Outcome.DENIED),
        CountOutcome(number, NOT_FOUND, Outcome.NOT_FOUND),
        CountOutcome(number, MODIFIED, Outcome.MODIFIED, NOTE),
    )


def letter_root(renderer: Renderer, decision: Decision, *exceptions: CountOutcome) -> Element:
    letter = renderer.letter([decision], ruling_of(decision, *exceptions), mailed_on=MAILED_ON)
    return parse_html(letter.html)


def text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def by_class(root: Element, name: str) -> list[Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def words_of(renderer: Renderer, section: str, language: str) -> str:
    return renderer.templates.charge_words[base_section(section)][language]


@pytest.mark.parametrize("language", LETTERS)
def test_only_granted_counts_are_listed_each_in_plain_words_and_by_section(
    renderer: Renderer, language: str
) -> None:
    decision = parse_decision(mixed_value(language))
    root = letter_root(renderer, decision, *mixed_exceptions(decision))
    rows = [[text(td) for td in tr.iter("td")] for tr in root.iter("tr")]
    rows = [row for row in rows if row]
    assert [int(row[2]) for row in rows] == [1, 2, 3, 4]
    for row, section in zip(rows, GRANTED_SECTIONS, strict=True):
        assert row[0] == decision.case.number
        assert words_of(renderer, section, language) in row[3]
        assert f"HSC {section}" in row[3]
    statuses = {row[4] for row in rows}
    assert len(statuses) == 4  # one new status per relief: dismissed and sealed, ..., resentencing


@pytest.mark.parametrize("language", LETTERS)
def test_a_denied_not_found_or_modified_count_says_what_happened_and_whom_to_call(
    renderer: Renderer, language: str
) -> None:
    decision = parse_decision(mixed_value(language))
    root = letter_root(renderer, decision, *mixed_exceptions(decision))
    statuses = {text(tr.findall("td")[4]) for tr in root.iter("tr") if tr.findall("td")}
    outcomes = {outcome: by_class(root, outcome) for outcome in ("denied", "not_found", "modified")}
    assert all(len(found) == 1 for found in outcomes.values()), outcomes
    sections = {"denied": "11360", "not_found": "11357", "modified": "11358"}
    wordings = set()
    for outcome, (paragraph,) in outcomes.items():
        said = text(paragraph)
        assert decision.case.number in said
        assert words_of(renderer, sections[outcome], language) in said
        assert f"HSC {sections[outcome]}" in said
        assert not any(status in said for status in statuses)  # no good news for this count
        wordings.add(said.split(":", 1)[-1].replace(NOTE, ""))
    assert len(wordings) == 3  # each outcome its own wording
    assert NOTE in text(outcomes["modified"][0])
    call = text(next(p for p in root.iter("p") if CONTACTS["public_defender_phone"] in text(p)))
    assert CONTACTS["public_defender_name"] in call


@pytest.mark.parametrize("language", LETTERS)
def test_a_person_granted_nothing_gets_no_good_news(renderer: Renderer, language: str) -> None:
    decision = parse_decision(mixed_value(language))
    number = decision.case.number
    everything_denied = [CountOutcome(number, count.count, Outcome.DENIED) for count in decision.counts]
    nothing = letter_root(renderer, decision, *everything_denied)
    mixed = letter_root(renderer, decision, *mixed_exceptions(decision))
    headings = [text(h2) for h2 in nothing.iter("h2")]
    good_news = [h for h in (text(h2) for h2 in mixed.iter("h2")) if h not in headings]
    assert len(headings) == 3  # what did not change, how to see one's record, questions
    assert len(good_news) == 4  # what changed, nothing to do, what it means, what is not automatic
    assert list(nothing.iter("table")) == []
    assert len(by_class(nothing, "denied")) == len(decision.counts)
    said = text(nothing)
    assert not any(phrase in said for phrase in good_news)
    assert [text(e) for e in by_class(nothing, "subject")] == [text(e) for e in by_class(mixed, "subject")]


@pytest.mark.parametrize("language", LETTERS)
def test_every_letter_offers_help_in_the_other_languages_and_names_the_public_defender(
    renderer: Renderer, language: str
) -> None:
    decision = parse_decision(mixed_value(language))
    root = letter_root(renderer, decision, *mixed_exceptions(decision))
    (block,) = by_class(root, "help-lines")
    languages = renderer.templates.letter_languages
    lines = {p.get("lang"): (p.get("dir"), text(p)) for p in block.iter("p")}
    assert list(lines) == [tag for tag in languages if tag != "en"]
    for tag, (direction, said) in lines.items():
        assert direction == ("rtl" if tag == "fa" else "ltr")
        assert said == " ".join(languages[tag].help.replace("{phone}", CONTACTS["help_phone"]).split())
    record = text(root)
    for value in (
        CONTACTS["public_defender_name"],
        CONTACTS["public_defender_phone"],
        CONTACTS["doj_record_url"],
    ):
        assert value in record
    assert "Live Scan" in record


@pytest.mark.parametrize("language", LETTERS)
def test_no_language_keeps_the_words_written_before_a_ruling(renderer: Renderer, language: str) -> None:
    decision = parse_decision(mixed_value(language))
    said = text(letter_root(renderer, decision, *mixed_exceptions(decision)))
    assert [phrase for phrase in OLD_PHRASES if phrase in said] == []
    preview = text(parse_html(renderer.html(DocumentKind.LETTER, [decision]).html))
    assert [phrase for phrase in OLD_PHRASES if phrase in preview] == []


@pytest.mark.parametrize("language", LETTERS)
def test_a_letter_with_a_denied_count_is_two_pages_dated_when_mailed_with_the_order_date(
    renderer: Renderer, language: str, tmp_path: Path
) -> None:
    value = sample_decision(language, LETTERS[language][0])
    value["counts"].append(dict(value["counts"][0], count=9, section="11360"))
    decision = parse_decision(value)
    denied = CountOutcome(decision.case.number, 9, Outcome.DENIED)
    letter = renderer.letter([decision], ruling_of(decision, denied), mailed_on=MAILED_ON)
    document = renderer.convert(letter, OutputFormat.PDF)
    assert document.pages == 2
    path = tmp_path / "letter.pdf"
    path.write_bytes(document.content)
    said = compact(text_of(path))
    assert compact(long_date(MAILED_ON, language)) in said
    assert compact(long_date(SIGNED_ON, language)) in said
    assert "HSC11360" in said


def test_a_letter_reports_one_courts_ruling_only(renderer: Renderer) -> None:
    value = sample_decision("en", "A Name")
    decision = parse_decision(value)
    other = parse_decision(dict(value, court=dict(value["court"], code="OTHER-COURT")))
    with pytest.raises(RenderError, match="not a case of court OTHER-COURT"):
        renderer.letter([decision, other], ruling_of(decision), mailed_on=date(2026, 12, 1))


def test_every_section_a_decision_may_name_has_plain_words_in_every_letter_language(
    renderer: Renderer,
) -> None:
    accepts = TypeAdapter(Section)
    candidates = [str(n) for n in range(11300, 11400)] + [
        f"{n}.{d}" for n in range(11350, 11370) for d in range(10)
    ]
    accepted = set()
    for candidate in candidates:
        try:
            accepts.validate_python(candidate)
        except ValidationError:
            continue
        accepted.add(candidate)
    assert accepted == {"11357", "11358", "11359", "11360", "11362.1"}  # decision-format.md
    words = renderer.templates.charge_words
    for section in sorted(accepted):
        assert set(words[section]) == set(renderer.templates.letter_languages), section
        assert all(text.strip() for text in words[section].values()), section
    assert base_section("11357(b)") == "11357"
    assert base_section("11362.1(a)(2)") == "11362.1"


def test_the_settings_name_the_public_defender_and_the_help_phone() -> None:
    settings = Settings.from_env(
        {
            "COURTDOCS_PUBLIC_DEFENDER_NAME": "Example County Public Defender",
            "COURTDOCS_PUBLIC_DEFENDER_PHONE": "(555) 010-0199",
            "COURTDOCS_HELP_PHONE": "(555) 010-0123",
            "COURTDOCS_DOJ_RECORD_URL": "example.org/record-review",
        }
    )
    assert {name: getattr(settings, name) for name in CONTACTS} == CONTACTS
    defaults = Settings.from_env({})
    assert defaults.public_defender_name == "Los Angeles County Public Defender"
    assert defaults.help_phone is None  # the office's own phone
    assert re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", defaults.public_defender_phone)


@pytest.mark.parametrize("language", LETTERS)
def test_the_preview_before_a_ruling_is_a_draft_with_blank_dates(renderer: Renderer, language: str) -> None:
    value = sample_decision(language, LETTERS[language][0])
    document = renderer.html(DocumentKind.LETTER, [parse_decision(value)], draft=False)
    root = parse_html(document.html)
    marks = [e for e in root.iter("div") if e.get("class") == "draft-mark"]
    assert ["".join(mark.itertext()) for mark in marks] == ["DRAFT: NOT FOR MAILING"]
    text = "".join(root.itertext())
    assert text.count(BLANK_DATE) >= 2  # the letter's date and the order's
    assert long_date(APPROVED_ON, language) not in text


def test_every_language_has_the_same_facts_and_no_empty_text(renderer: Renderer) -> None:
    value = sample_decision("en", "A Name")
    value["counts"] = every_relief(value["counts"][0])
    value["counts"].append(dict(value["counts"][0], count=5))
    value["agency"].pop("phone")
    shapes = {}
    for language in LETTERS:
        value["person"]["language"] = language
        decision = parse_decision(value)
        denied = CountOutcome(decision.case.number, 5, Outcome.DENIED)
        root = parse_html(renderer.letter([decision], ruling_of(decision, denied), mailed_on=MAILED_ON).html)
        blocks = [element for element in root.iter() if element.tag in ("p", "h2", "th", "td")]
        shapes[language] = [element.tag for element in blocks]
        assert all("".join(element.itertext()).strip() for element in blocks), language
    assert all(shape == shapes["en"] for shape in shapes.values())


def test_relief_and_level_words_are_in_each_language(renderer: Renderer) -> None:
    value = sample_decision("en", "A Name")
    value["counts"] = every_relief(value["counts"][0])
    columns: dict[str, list[list[str]]] = {}
    for language in LETTERS:
        value["person"]["language"] = language
        root = parse_html(renderer.html(DocumentKind.LETTER, [parse_decision(value)]).html)
        rows = [[" ".join("".join(td.itertext()).split()) for td in tr.iter("td")] for tr in root.iter("tr")]
        columns[language] = [[row[3] for row in rows if row], [row[4] for row in rows if row]]
        assert len(set(columns[language][1])) == len(RELIEFS), language  # one status per relief
    for language in LETTERS.keys() - {"en"}:
        assert not set(columns[language][1]) & set(columns["en"][1]), language
        for level in {count["level"] for count in value["counts"]}:
            assert not any(re.search(rf"\b{level}\b", charge) for charge in columns[language][0]), language
