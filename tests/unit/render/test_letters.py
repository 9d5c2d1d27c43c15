"""Letters in every language, read from the PDF as the person and a clerk see them: the words
of the language, the dates of the mailing and of the order, the name exactly, bundled fonts only
and embedded, a glyph for every character, bold that is bold, right-to-left Farsi with its Latin
numbers intact."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from service.core.models import Decision
from service.core.ruling import CountOutcome, Ruling
from service.core.sample import generate_decisions
from service.core.validation import parse_decision
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import choose_language
from service.render.docx import parse_html
from service.render.templating import long_date
from service.settings import Settings
from tests.pdftools import POINTS_PER_INCH, page_words, pdf_fonts, reading_text, run_tool
from tests.signers import SIGNER

LETTER_WIDTH, LETTER_HEIGHT = 612.0, 792.0
MARGIN = 72.0  # the letter's left and right margins: 1 inch
APPROVED_ON = date(2021, 9, 20)  # the samples' approval date: never a letter's date
SIGNED_ON = date(2026, 11, 2)  # the day the judge signed the order
MAILED_ON = date(2026, 11, 30)  # the day the letters are mailed: a letter's date
BLANK_DATE = "____________________"  # a preview (no ruling) leaves its dates blank
MAX_LETTER_BYTES = 200_000  # subset fonts keep even a Chinese letter small
LIBERATION = {
    "Courtdocs-Serif",
    "Courtdocs-Serif-Bold",
    "Courtdocs-Serif-Italic",
    "Courtdocs-Serif-BoldItalic",
}
# Each relief, with a level and sentence_completed it fits (decision-format.md's relief rules).
RELIEFS = {
    "dismiss_and_seal": ("misdemeanor", True),
    "redesignate_misdemeanor": ("felony", True),
    "redesignate_infraction": ("misdemeanor", True),
    "resentence": ("felony", False),
}

# language: the person's name in the language's script, and words its letter must have (the
# title and two headings; the words of the changes table are checked in the HTML).
LETTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "en": (
        "DeShawn T. Washington",
        (
            "The court's decision about your cannabis conviction record",
            "What the court changed",
            "You do not need to do anything",
        ),
    ),
    "es": (
        "María de los Ángeles Núñez",
        (
            "La decisión del tribunal sobre sus antecedentes penales por cannabis",
            "Lo que cambió el tribunal",
            "Usted no tiene que hacer nada",
        ),
    ),
    "ko": (
        "김민준",
        (
            "귀하의 대마 관련 유죄 판결 기록에 관한 법원의 결정",
            "법원이 변경한 내용",
            "귀하께서 하실 일은 없습니다",
        ),
    ),
    "zh-Hant": ("陳偉明", ("法院對您大麻定罪紀錄的裁定", "法院作出的變更", "您無需採取任何行動")),
    "zh-Hans": ("陈伟明", ("法院对您大麻定罪记录的裁定", "法院作出的变更", "您无需采取任何行动")),
    "hy": (
        "Արմեն Սարգսյան",
        (
            "Դատարանի որոշումը կանեփի հետ կապված ձեր դատվածության մասին",
            "Ինչ է փոխել դատարանը",
            "Ձեզնից ոչինչ չի պահանջվում",
        ),
    ),
    "vi": (
        "Nguyễn Văn Thành",
        (
            "Quyết định của tòa án về hồ sơ tiền án liên quan đến cần sa của quý vị",
            "Những gì tòa án đã thay đổi",
            "Quý vị không cần làm gì cả",
        ),
    ),
    "fa": ("داریوش حسینی", ("تصمیم دادگاه", "لازم نیست کاری انجام دهید", "این برای شما چه معنایی دارد")),
}
# The faces a letter in the language needs besides Liberation Serif, regular and bold.
SCRIPT_FONTS = {
    "ko": {"Courtdocs-Hangul"},
    "zh-Hant": {"Courtdocs-CJK"},
    "zh-Hans": {"Courtdocs-CJK", "Courtdocs-CJK-SC"},
    "hy": {"Courtdocs-Armenian"},
    "fa": {"Courtdocs-Naskh"},
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


@pytest.fixture(scope="module")
def covered() -> frozenset[int]:
    """Return every code point some font in fonts/ has a glyph for."""
    found: set[int] = set()
    for path in sorted(Settings().fonts_dir.iterdir()):
        if path.suffix.lower() in (".ttf", ".otf"):
            with TTFont(path, lazy=True) as font:
                found.update(font.getBestCmap())
    return frozenset(found)


@pytest.fixture(scope="module")
def letters(renderer: Renderer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Render the letter of every language once, failing on any WeasyPrint warning."""
    folder = tmp_path_factory.mktemp("letters")
    paths = {}
    logger = logging.getLogger("weasyprint")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        for language, (name, _) in LETTERS.items():
            paths[language] = render_letter(renderer, sample_decision(language, name), folder)
    finally:
        logger.removeHandler(handler)
    assert [record.getMessage() for record in records] == []  # e.g. ".notdef glyph rendered"
    return paths


def sample_decision(language: str, name: str) -> dict[str, Any]:
    """Return a sample decision with a dismissed and sealed count, for a person in `language`."""
    value = next(d for d in generate_decisions(40, seed=7) if _has_dismissal(d) and d["person"]["notify"])
    value["person"].update(language=language, name=name, aka=[])
    return value


def every_relief(count: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one count like `count` for each relief, numbered 1 to 4, each with a level it fits."""
    return [
        dict(count, count=number, relief=relief, level=level, sentence_completed=completed)
        for number, (relief, (level, completed)) in enumerate(RELIEFS.items(), start=1)
    ]


def _has_dismissal(value: dict[str, Any]) -> bool:
    return any(count["relief"] == "dismiss_and_seal" for count in value["counts"])


def ruling_of(decision: Decision, *exceptions: CountOutcome) -> Ruling:
    """Return a ruling on the decision's court filing: its exceptions, every other count granted."""
    return Ruling("batch", decision.court.code, 1, SIGNED_ON, None, "0" * 64, exceptions)


def render_letter(renderer: Renderer, value: dict[str, Any], folder: Path) -> Path:
    """Render the letter after a ruling that grants every count to a PDF file; return its path."""
    decision = parse_decision(value)
    letter = renderer.letter([decision], ruling_of(decision), mailed_on=MAILED_ON)
    document = renderer.convert(letter, OutputFormat.PDF)
    path = folder / f"letter-{value['person']['language']}-{len(list(folder.iterdir()))}.pdf"
    path.write_bytes(document.content)
    return path


def text_of(path: Path) -> str:
    """Return the reading text, without the line breaks pdftotext puts between Chinese characters."""
    cjk = "\u3000-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full-width forms; not Hangul
    return re.sub(f"(?<=[{cjk}]) (?=[{cjk}])", "", reading_text(path))


def compact(text: str) -> str:
    """Return text without white space, commas and bidirectional controls: pdftotext moves a
    right-to-left line's spaces and the comma after a date, and adds the controls."""
    return re.sub(r"[\s,\u060c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


def html_attribute(html: str, name: str) -> str | None:
    """Return an attribute of a document's <html> element."""
    return next(parse_html(html).iter("html")).get(name)


def chars(path: Path) -> Iterator[dict[str, Any]]:
    """Yield every character pdfplumber finds, with its font name and box."""
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        for page in pdf.pages:
            yield from page.chars


def embedded_fonts(path: Path) -> dict[str, TTFont]:
    """Return each embedded font program by the font's name in the PDF (without its tag)."""
    found = {}
    with path.open("rb") as stream:
        document = PDFDocument(PDFParser(stream))
        for xref in document.xrefs:
            for object_id in xref.get_objids():
                value = document.getobj(object_id)
                if isinstance(value, dict) and str(value.get("Type")) == "/'FontDescriptor'":
                    program = resolve1(value.get("FontFile2") or value.get("FontFile3")).get_data()
                    name = str(value["FontName"]).strip("/'").split("+")[-1]
                    found[name] = TTFont(io.BytesIO(program))
    return found


def base_name(font: str) -> str:
    return re.sub(r"-(Bold|Italic|BoldItalic)$", "", font)


@pytest.mark.parametrize("language", LETTERS)
def test_letter_has_the_words_of_its_language_the_name_and_the_case(
    letters: dict[str, Path], language: str
) -> None:
    name, words = LETTERS[language]
    text = text_of(letters[language])
    assert name in text
    for word in words:
        assert word in text, word
    assert sample_decision(language, name)["case"]["number"] in text
    # pdftotext spaces a date in a right-to-left line as it likes: compare without spaces
    assert compact(long_date(MAILED_ON, language)) in compact(text)
    assert compact(long_date(SIGNED_ON, language)) in compact(text)
    assert long_date(APPROVED_ON, language) not in text
    assert BLANK_DATE not in text
    assert "DRAFT" not in text


@pytest.mark.parametrize("language", LETTERS)
def test_letter_uses_only_bundled_fonts_all_embedded_with_a_glyph_for_every_character(
    letters: dict[str, Path], covered: frozenset[int], language: str
) -> None:
    path = letters[language]
    fonts = pdf_fonts(path)
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes" and font["uni"] == "yes", font
        assert font["name"].split("+")[-1].startswith("Courtdocs-"), font
    assert {"Courtdocs-Serif", *SCRIPT_FONTS.get(language, ())} <= {
        base_name(f["name"].split("+")[-1]) for f in fonts
    }
    # WeasyPrint gives a font a custom encoding only to map a glyph it did not find to .notdef.
    table = run_tool("pdffonts", str(path)).splitlines()[2:]
    assert all(" Identity-H " in line for line in table), table
    text = run_tool("pdftotext", str(path), "-")
    missing = {char for char in text if not char.isspace() and ord(char) not in covered}
    assert not missing, [f"U+{ord(char):04X}" for char in sorted(missing)]
    assert path.stat().st_size < MAX_LETTER_BYTES


@pytest.mark.parametrize("language", LETTERS)
def test_bold_text_is_set_in_the_bold_face_of_each_script(letters: dict[str, Path], language: str) -> None:
    fonts = embedded_fonts(letters[language])
    bold = [name for name in fonts if name.endswith("-Bold")]
    assert {base_name(name) for name in bold} >= {"Courtdocs-Serif", *SCRIPT_FONTS.get(language, ())}
    for name in bold:  # fontconfig picks a face by language before weight: a regular one would do
        assert fonts[name]["OS/2"].usWeightClass >= 700, name


@pytest.mark.parametrize("language", LETTERS)
def test_latin_text_stays_in_liberation_serif(letters: dict[str, Path], language: str) -> None:
    latin = [c for c in chars(letters[language]) if c["text"].isascii() and c["text"].isalnum()]
    assert latin
    assert {c["fontname"].split("+")[-1] for c in latin} <= LIBERATION


@pytest.mark.parametrize(
    ("language", "name", "font"),
    [
        ("es", "김민준", "Courtdocs-Hangul"),
        ("en", "陳偉明", "Courtdocs-CJK"),
        ("vi", "Արմեն Սարգսյան", "Courtdocs-Armenian"),
        ("ko", "داریوش حسینی", "Courtdocs-Naskh"),
        ("fa", "María Elena García", "Courtdocs-Serif"),
    ],
)
def test_a_name_in_another_script_than_the_letter_renders_exactly(
    renderer: Renderer, language: str, name: str, font: str, tmp_path: Path
) -> None:
    path = render_letter(renderer, sample_decision(language, name), tmp_path)
    assert name in text_of(path)
    assert font in {f["name"].split("+")[-1] for f in pdf_fonts(path)}


def test_names_in_every_script_keep_court_paper_on_its_numbered_lines(renderer: Renderer) -> None:
    """The fallback faces share Liberation Serif's ascent and descent: no line grows taller."""
    value = sample_decision("en", "María Elena García")
    value["person"]["aka"] = [name for name, _ in LETTERS.values() if not name.isascii()]
    document = renderer.render(DocumentKind.MOTION, [parse_decision(value)], OutputFormat.PDF, signer=SIGNER)
    for words in page_words(document.content):
        numbers = {int(w.text): w for w in words if w.text.isdigit() and w.x1 < POINTS_PER_INCH * 1.5 - 6}
        baselines = [number.bottom for number in numbers.values()]
        body = [w for w in words if w not in numbers.values() and w.top < LETTER_HEIGHT - 48]
        off = [w.text for w in body if min(abs(w.bottom - b) for b in baselines) >= 1.0]
        assert off == []


@pytest.mark.parametrize(
    ("requested", "expected", "fell_back"),
    [
        ("en", "en", False),
        ("es-MX", "es", False),
        ("zh", "zh-Hant", False),
        ("zh-TW", "zh-Hant", False),
        ("zh-HK", "zh-Hant", False),
        ("zh-CN", "zh-Hans", False),
        ("zh-Hans-SG", "zh-Hans", False),
        ("yue", "zh-Hant", False),
        ("ko-KR", "ko", False),
        ("fa-IR", "fa", False),
        ("hy", "hy", False),
        ("vi-VN", "vi", False),
        ("de", "en", True),
        ("tl", "en", True),
    ],
)
def test_the_letter_language_follows_bcp_47_with_fallbacks(
    renderer: Renderer, requested: str, expected: str, fell_back: bool
) -> None:
    assert choose_language(requested, list(renderer.templates.letter_languages)) == (
        expected,
        requested if fell_back else None,
    )
    document = renderer.html(DocumentKind.LETTER, [parse_decision(sample_decision(requested, "A Name"))])
    assert document.language == expected
    assert html_attribute(document.html, "lang") == expected
    assert any(f"language {requested}; sent in English" in note for note in document.notes) == fell_back


@pytest.mark.parametrize("language", LETTERS)
def test_the_manifest_notes_say_whether_a_legal_translator_reviewed_the_text(
    renderer: Renderer, language: str
) -> None:
    value = sample_decision(language, "A Name")
    document = renderer.render(DocumentKind.LETTER, [parse_decision(value)], OutputFormat.HTML)
    reviewed = renderer.templates.letter_languages[language].reviewed
    assert reviewed == (language == "en")
    expected = f"letter text in {language} not yet reviewed by a legal translator (reviewed: false)"
    assert list(document.notes) == ([] if reviewed else [expected])


def test_farsi_letter_runs_right_to_left_with_latin_numbers_intact(
    renderer: Renderer, letters: dict[str, Path]
) -> None:
    value = sample_decision("fa", LETTERS["fa"][0])
    assert html_attribute(renderer.html(DocumentKind.LETTER, [parse_decision(value)]).html, "dir") == "rtl"
    path = letters["fa"]
    right = max(char["x1"] for char in chars(path))  # the right edge of the text
    assert right > LETTER_WIDTH - MARGIN - 8
    lines: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for char in chars(path):
        baseline = round(LETTER_HEIGHT - char["matrix"][5])  # from the top; fonts differ in descent
        lines.setdefault((char["page_number"], baseline), []).append(char)
    arabic = {key: line for key, line in lines.items() if any(_is_arabic(c["text"]) for c in line)}
    date_line = min(  # the date line: the first with the year, in Latin digits
        key
        for key, line in lines.items()
        if key[0] == 1 and str(MAILED_ON.year) in "".join(c["text"] for c in line)
    )
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        tables = {page.page_number: [(e["top"], e["bottom"]) for e in page.edges] for page in pdf.pages}
    in_table = {  # (page, baseline) of the lines inside the changes table, whose cells wrap
        key for key in arabic if any(top <= key[1] <= bottom for top, bottom in _spans(tables[key[0]]))
    }
    body = [line for key, line in arabic.items() if key >= date_line and key not in in_table]
    assert len(body) > 20
    for line in body:  # paragraphs and headings: right-aligned, and a short line is not left-aligned
        assert max(c["x1"] for c in line) > right - 0.5, "".join(c["text"] for c in line)
    short = [line for line in body if max(c["x1"] for c in line) - min(c["x0"] for c in line) < 150]
    assert short and all(min(c["x0"] for c in line) > LETTER_WIDTH / 2 for line in short)
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        words = [w["text"] for page in pdf.pages for w in page.extract_words()]
        phones = [hit for page in pdf.pages for hit in page.search(r"\(213\) 555-0100")]
    number = value["case"]["number"]
    assert sum(number in word for word in words) >= 2  # one token in the table, one in the last paragraph
    # left to right, in the letterhead, the last paragraph and each help line (the office's phone)
    assert len(phones) == 2 + len(LETTERS) - 1


def _spans(edges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Return the vertical extent of the table drawn by these edges (none if there are none)."""
    return [(min(top for top, _ in edges), max(bottom for _, bottom in edges))] if edges else []


def _is_arabic(text: str) -> bool:
    return any("ARABIC" in unicodedata.name(char, "") for char in text)
