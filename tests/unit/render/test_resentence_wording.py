"""A sentence still being served, as motion, order and letter word it, read from the PDF.

HSC 11361.8(a)-(b): the court recalls the sentence and resentences; the papers must say the
sentence (not the conviction) is recalled and leave the new sentence for the court to set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.core.validation import parse_decision
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.docx import parse_html
from service.settings import Settings
from tests.conftest import example_decision
from tests.pdftools import POINTS_PER_INCH, page_words, reading_text, table_lines
from tests.unit.render.test_letters import LETTERS
from tests.unit.render.test_pdf import render_pdf

FOOTER_TOP = 792 - 48
RECALLED = (
    "The sentence on count 1, HSC § 11360(a) (felony), disposed of on June 15, 1998, is recalled "
    "under Health and Safety Code section 11361.8, and resentencing on count 1 is to be set by the Court."
)
DISMISSED = (
    "The conviction on count 2, HSC § 11357(b) (misdemeanor), disposed of on June 15, 1998, is "
    "dismissed, and the record of that conviction is sealed."
)
# The words each letter used to promise a lighter sentence with; only the court decides that.
LOWER = {
    "en": "lower",
    "es": "más baja",
    "ko": "더 가벼운",
    "zh-Hant": "較輕",
    "zh-Hans": "较轻",
    "hy": "մեղմ",
    "vi": "nhẹ hơn",
    "fa": "سبک",
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def serving(language: str = "en") -> dict[str, Any]:
    """Return the example decision with count 1 a felony sentence still being served."""
    value = example_decision()
    value["counts"][0].update(section="11360(a)", sentence_completed=False, relief="resentence")
    value["person"]["language"] = language
    return value


def body_text(path: Path) -> str:
    """Return the words right of the line numbers and above the footer, in reading order."""
    pages = page_words(path.read_bytes())
    left = POINTS_PER_INCH * 1.5 - 6
    return " ".join(w.text for words in pages for w in words if w.x0 >= left and w.top < FOOTER_TOP)


def test_the_order_recalls_the_sentence_and_leaves_resentencing_to_the_court(
    renderer: Renderer, tmp_path: Path
) -> None:
    text = body_text(render_pdf(renderer, DocumentKind.ORDER, serving(), tmp_path))
    assert f"1. {RECALLED} 2. {DISMISSED}" in text
    assert "ORDER GRANTING MOTION TO RECALL SENTENCE FOR RESENTENCING AND DISMISS AND SEAL" in text
    for wrong in ("The conviction on count 1", "is resentenced", "Recall and Resentence"):
        assert wrong.lower() not in text.lower()


def test_the_motion_asks_to_recall_the_sentence_and_to_set_resentencing(
    renderer: Renderer, tmp_path: Path
) -> None:
    text = body_text(render_pdf(renderer, DocumentKind.MOTION, serving(), tmp_path))
    assert "PEOPLE'S MOTION TO RECALL SENTENCE FOR RESENTENCING AND DISMISS AND SEAL" in text
    assert "1 HSC § 11360(a) Felony 06/15/1998 Recall sentence for resentencing" in text
    assert "2 HSC § 11357(b) Misdemeanor 06/15/1998 Dismiss and seal" in text
    assert (
        'On each count marked "Recall sentence for resentencing" the defendant is still serving the '
        "sentence; the People ask the Court to recall each such sentence under Health and Safety Code "
        "section 11361.8 and to set resentencing on each such count."
    ) in text
    assert "recall and resentence" not in text.lower()


def test_a_motion_without_a_sentence_being_served_does_not_speak_of_one(
    renderer: Renderer, tmp_path: Path
) -> None:
    text = body_text(render_pdf(renderer, DocumentKind.MOTION, example_decision(), tmp_path))
    assert "resentencing" not in text.lower() and "still serving" not in text


def test_the_omnibus_order_uses_the_exhibits_label_and_the_same_words(
    renderer: Renderer, tmp_path: Path
) -> None:
    order = body_text(render_pdf(renderer, DocumentKind.OMNIBUS_ORDER, serving(), tmp_path))
    exhibit = table_lines(
        render_pdf(renderer, DocumentKind.EXHIBIT, serving(), tmp_path).read_bytes(), ("No.", "Basis")
    )
    motion = body_text(render_pdf(renderer, DocumentKind.OMNIBUS_MOTION, serving(), tmp_path))
    assert (
        'for a count marked "Recall sentence for resentencing" the sentence on that count is recalled '
        "under Health and Safety Code section 11361.8, and resentencing on that count is to be set by "
        "the Court."
    ) in order
    case, count = exhibit[0][1:3], exhibit[0][5:7]  # the relief wraps in its column: two lines
    assert (case, count) == (["BA123456", "María Elena García"], ["1", "HSC § 11360(a)"])
    assert f"{exhibit[0][8]} {exhibit[1][8]}" == "Recall sentence for resentencing"
    assert 'On each count marked "Recall sentence for resentencing" the defendant is still serving' in motion


def test_the_letter_says_the_court_will_set_the_new_sentence(renderer: Renderer, tmp_path: Path) -> None:
    text = reading_text(render_pdf(renderer, DocumentKind.LETTER, serving(), tmp_path))  # no line numbers
    assert "Sentence recalled; the court will set a new sentence" in text
    assert (
        "Where your sentence is recalled, the court will set a new sentence later, under today's "
        "cannabis law. You may be contacted about a court date for this."
    ) in text
    assert "lower" not in text


@pytest.mark.parametrize("language", list(LETTERS))
def test_no_letter_promises_a_lighter_sentence(renderer: Renderer, language: str) -> None:
    value = serving(language)
    value["counts"] = value["counts"][:1]  # only the recalled sentence: one "what this means" paragraph
    decision = parse_decision(value)
    assert renderer.render(DocumentKind.LETTER, [decision], OutputFormat.PDF).pages  # a glyph for each word
    root = parse_html(renderer.html(DocumentKind.LETTER, [decision]).html)
    letter = next(div for div in root.iter("div") if div.get("class") == "letter")
    headings = [index for index, element in enumerate(letter) if element.tag == "h2"]
    meaning = " ".join("".join(letter[headings[2] + 1].itertext()).split())  # after "What this means"
    row = next(tr for tr in root.iter("tr") if tr.find("td") is not None)
    status = " ".join("".join(row[4].itertext()).split())  # the "New status" column
    assert meaning and status
    assert LOWER[language] not in meaning and LOWER[language] not in status
