"""The DOCX documents as an attorney opens them: text, named styles, caption, counts, footer."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Inches, Pt

from service.core.validation import parse_decision
from service.errors import RenderError
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.docx import html_to_docx, parse_html
from service.settings import Settings
from tests.conftest import example_decision
from tests.libreoffice import convert_to_pdf
from tests.signers import SIGNER
from tests.unit.render.test_letters import MAILED_ON, ruling_of

DOCUMENTS = [  # (kind, letter language); court papers are in English
    (DocumentKind.MOTION, "en"),
    (DocumentKind.ORDER, "en"),
    (DocumentKind.LETTER, "en"),
    (DocumentKind.LETTER, "es"),
]
BUILT_IN_STYLES = {"Normal", "Header", "Footer", "Body Text", "Caption", "Title"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def decision_in(language: str, **person: Any) -> dict[str, Any]:
    value = example_decision()
    value["person"].update(language=language, **person)
    return value


def render(renderer: Renderer, kind: DocumentKind, value: dict[str, Any], **options: Any) -> Any:
    """Render a DOCX and reopen it with python-docx."""
    content = renderer.render(kind, [parse_decision(value)], OutputFormat.DOCX, **options).content
    return docx.Document(io.BytesIO(content))


def html_text(
    renderer: Renderer, kind: DocumentKind, value: dict[str, Any], css_class: str, *, draft: bool = False
) -> str:
    """Return the text of the first element with a class in the document's HTML."""
    html = renderer.html(kind, [parse_decision(value)], draft=draft).html
    element = next(e for e in parse_html(html).iter() if css_class in e.get("class", "").split())
    return " ".join("".join(element.itertext()).split())


def paragraphs(document: Any) -> list[Any]:
    """Return every paragraph: body, table cells, headers and footers."""
    found = list(document.paragraphs)
    for table in document.tables:
        found += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for section in document.sections:
        found += section.header.paragraphs + section.footer.paragraphs
    return found


def text_of(document: Any) -> str:
    return "\n".join(paragraph.text for paragraph in paragraphs(document))


def inherited(style: Any, attribute: str) -> Any:
    """Return a font or paragraph-format attribute of a style, following its base styles."""
    while style is not None:
        owner = style.font if hasattr(style.font, attribute) else style.paragraph_format
        value = getattr(owner, attribute)
        if value is not None:
            return value
        style = style.base_style
    return None


def tables_in(document: Any, style: str) -> list[Any]:
    return [table for table in document.tables if table.style.name == style]


@pytest.mark.parametrize(("kind", "language"), DOCUMENTS)
def test_text_has_name_case_number_and_every_section(
    renderer: Renderer, kind: DocumentKind, language: str
) -> None:
    value = decision_in(language)
    text = text_of(render(renderer, kind, value))
    assert value["person"]["name"] in text
    assert value["case"]["number"] in text
    for count in value["counts"]:
        assert count["section"] in text


@pytest.mark.parametrize(("kind", "language"), DOCUMENTS)
def test_every_paragraph_has_a_named_style_of_at_least_12_points(
    renderer: Renderer, kind: DocumentKind, language: str
) -> None:
    document = render(renderer, kind, decision_in(language))
    body = document.paragraphs + [
        p for table in document.tables for row in table.rows for c in row.cells for p in c.paragraphs
    ]
    assert body
    for paragraph in body:
        assert paragraph.style.name not in BUILT_IN_STYLES, paragraph.text
        assert inherited(paragraph.style, "size") >= Pt(12), paragraph.style.name
        assert inherited(paragraph.style, "name") in ("Times New Roman", None)
    defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")[0]
    assert set(defaults.values()) == {"Times New Roman"}  # Liberation Serif's metric twin, which Word has


@pytest.mark.parametrize(
    ("language", "east_asian", "tags"),
    [
        ("en", "Times New Roman", ("en", "en-US", "ar-SA")),
        ("es", "Times New Roman", ("es", "en-US", "ar-SA")),
        ("ko", "Batang", ("en-US", "ko-KR", "ar-SA")),
        ("zh-Hant", "PMingLiU", ("en-US", "zh-TW", "ar-SA")),
        ("zh-Hans", "SimSun", ("en-US", "zh-CN", "ar-SA")),
        ("fa", "Times New Roman", ("en-US", "en-US", "fa-IR")),
    ],
)
def test_letters_name_a_face_and_language_for_each_script(
    renderer: Renderer, language: str, east_asian: str, tags: tuple[str, str, str]
) -> None:
    document = render(renderer, DocumentKind.LETTER, decision_in(language))
    defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")[0]
    fonts = {name.split("}")[1]: value for name, value in defaults.xpath("w:rFonts")[0].items()}
    assert fonts == {"ascii": "Times New Roman", "hAnsi": "Times New Roman", "cs": "Times New Roman"} | {
        "eastAsia": east_asian
    }
    lang = defaults.xpath("w:lang")[0]
    assert tuple(lang.get(docx.oxml.ns.qn(f"w:{a}")) for a in ("val", "eastAsia", "bidi")) == tags
    normal = document.styles["Normal"].element
    assert bool(normal.xpath("w:pPr/w:bidi")) == (language == "fa")  # right to left, as the PDF
    assert normal.xpath("string(w:rPr/w:szCs/@w:val)") == "24"  # Farsi at 12 pt too, not 11
    headings = [p for p in document.paragraphs if p.style.name == "Letter Heading"]
    assert headings and headings[0].style.font.cs_bold  # bold in Farsi too
    (table,) = tables_in(document, "Changes Table")
    assert bool(table._tbl.xpath("w:tblPr/w:bidiVisual")) == (language == "fa")


def test_a_farsi_letter_keeps_addresses_and_page_numbers_left_to_right(renderer: Renderer) -> None:
    value = decision_in("fa")
    document = render(renderer, DocumentKind.LETTER, value)
    ltr = docx.oxml.ns.qn("w:val")
    recipient = next(p for p in document.paragraphs if p.text == value["person"]["name"])
    assert [b.get(ltr) for b in recipient._p.xpath("w:pPr/w:bidi")] == ["0"]  # dir="ltr" in the HTML
    footer = document.sections[0].footer.paragraphs[0]
    assert [b.get(ltr) for b in footer._p.xpath("w:pPr/w:bidi")] == ["0"]  # "1 / 2", not "2 / 1"
    body = next(p for p in document.paragraphs if p.style.name == "Letter Body")
    assert not body._p.xpath("w:pPr/w:bidi")  # right to left, from Normal


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.ORDER])
def test_court_paper_is_ragged_right_as_the_pdf(renderer: Renderer, kind: DocumentKind) -> None:
    document = render(renderer, kind, example_decision())
    body = [p for p in document.paragraphs if p.style.name.startswith("Pleading Body")]
    assert body
    assert {inherited(p.style, "alignment") for p in body} == {None}  # left, as print.css's text-align


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.ORDER])
def test_court_paper_is_double_spaced_with_pleading_margins(renderer: Renderer, kind: DocumentKind) -> None:
    document = render(renderer, kind, example_decision())
    section = document.sections[0]
    assert (section.page_width, section.page_height) == (Inches(8.5), Inches(11))
    assert (section.left_margin, section.right_margin) == (Inches(1.5), Inches(0.5))
    assert (section.top_margin, section.bottom_margin) == (Inches(1), Inches(48 / 72))
    for paragraph in document.paragraphs:
        assert paragraph.style.name.startswith(("Pleading", "Filer", "Court Title"))
        assert inherited(paragraph.style, "line_spacing") == Pt(24)


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.ORDER])
def test_footer_has_the_title_under_a_rule_and_a_page_number_field(
    renderer: Renderer, kind: DocumentKind
) -> None:
    value = example_decision()
    footer = render(renderer, kind, value).sections[0].footer
    title = html_text(renderer, kind, value, "footer-title")
    titled = [p for p in footer.paragraphs if p.text == title]
    assert titled and titled[0].style.name == "Footer Title"
    assert titled[0].style.element.xpath("w:pPr/w:pBdr/w:top")
    assert footer._element.xpath(".//w:fldSimple[contains(@w:instr, 'PAGE')]")


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.ORDER])
def test_caption_has_parties_left_of_a_rule_and_the_case_right(
    renderer: Renderer, kind: DocumentKind
) -> None:
    value = example_decision()
    caption = tables_in(render(renderer, kind, value), "Layout Table")[0]
    parties, matter = caption.rows[0].cells
    assert value["person"]["name"] in parties.text
    assert "\xa0" * 6 + "v." in parties.text  # &#160; survives as no-break spaces
    assert value["case"]["number"] in matter.text
    assert html_text(renderer, kind, value, "document-title") in matter.text
    assert parties._tc.xpath("w:tcPr/w:tcBorders/w:right")


def test_court_paper_numbers_28_lines_in_the_margin(renderer: Renderer) -> None:
    header = render(renderer, DocumentKind.MOTION, example_decision()).sections[0].header
    numbered = [p for p in header.paragraphs if p.style.name == "Line Numbers"]
    assert numbered[0].text.split("\n") == [str(n) for n in range(1, 29)]
    assert numbered[0]._p.xpath("w:pPr/w:framePr")


def test_motion_counts_table_has_a_heading_row_and_a_row_per_count(renderer: Renderer) -> None:
    value = example_decision()
    (table,) = tables_in(render(renderer, DocumentKind.MOTION, value), "Counts Table")
    assert len(table.rows) == 1 + len(value["counts"])
    assert table.rows[0]._tr.xpath("w:trPr/w:tblHeader")
    assert {c.paragraphs[0].style.name for c in table.rows[0].cells} == {"Counts Heading"}
    for row, count in zip(table.rows[1:], value["counts"], strict=True):
        cells = [cell.text for cell in row.cells]
        assert cells[0] == str(count["count"])
        assert count["section"] in cells[1]


@pytest.mark.parametrize("language", ["en", "es"])
def test_letter_changes_table_has_a_row_per_count(renderer: Renderer, language: str) -> None:
    value = decision_in(language)
    document = render(renderer, DocumentKind.LETTER, value)
    (table,) = tables_in(document, "Changes Table")
    assert len(table.rows) == 1 + len(value["counts"])
    for row, count in zip(table.rows[1:], value["counts"], strict=True):
        assert row.cells[0].text == value["case"]["number"]
        assert count["section"] in row.cells[3].text
    section = document.sections[0]
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert margins == (Inches(1),) * 4
    assert section.footer._element.xpath(".//w:fldSimple[contains(@w:instr, 'NUMPAGES')]")


def test_letter_keeps_inline_emphasis(renderer: Renderer) -> None:
    document = render(renderer, DocumentKind.LETTER, decision_in("es"))
    assert any(run.italic and run.text.strip() for p in document.paragraphs for run in p.runs)
    assert any(p.style.name == "Letter Heading" for p in document.paragraphs)


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.LETTER])
def test_markup_in_a_name_appears_literally(renderer: Renderer, kind: DocumentKind) -> None:
    name = "<b>x</b> {{ 7*7 }}"
    text = text_of(render(renderer, kind, decision_in("en", name=name)))
    assert name in text
    assert "49" not in text


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.LETTER])
def test_draft_says_so_in_the_header(renderer: Renderer, kind: DocumentKind) -> None:
    value = example_decision()
    header = render(renderer, kind, value, draft=True).sections[0].header
    mark = html_text(renderer, kind, value, "draft-mark", draft=True)
    assert [p.style.name for p in header.paragraphs if p.text == mark] == ["Draft Mark"]
    final = render(renderer, kind, value, signer=SIGNER)  # signed
    if kind is DocumentKind.LETTER:  # a letter is a draft until it reports a ruling
        decision = parse_decision(value)
        letter = renderer.letter([decision], ruling_of(decision), mailed_on=MAILED_ON)
        final = docx.Document(io.BytesIO(renderer.convert(letter, OutputFormat.DOCX).content))
    assert mark not in "\n".join(p.text for p in final.sections[0].header.paragraphs)


def test_core_properties_come_from_the_html_head(renderer: Renderer) -> None:
    value = example_decision()
    decision = parse_decision(value)
    document = render(renderer, DocumentKind.ORDER, value)
    properties = document.core_properties
    assert properties.title == renderer.html(DocumentKind.ORDER, [decision]).title
    assert properties.author == value["agency"]["name"]
    assert value["case"]["number"] in properties.subject
    approved = datetime.fromisoformat(value["approved_at"]).astimezone(UTC)
    assert properties.created == properties.modified == approved
    assert properties.comments == ""


def test_two_renders_have_the_same_content(renderer: Renderer) -> None:
    decision = parse_decision(example_decision())
    contents = [renderer.render(DocumentKind.MOTION, [decision], OutputFormat.DOCX).content for _ in (1, 2)]
    members = [
        {name: archive.read(name) for name in archive.namelist()}
        for archive in (zipfile.ZipFile(io.BytesIO(content)) for content in contents)
    ]
    assert members[0] == members[1]


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><p>no page</p></body></html>",
        '<html><body><div class="letter"><p>open</div></body></html>',
        '<html><body><div class="letter"><p>never closed</p>',
        '<html><body><div class="letter"><h4>unknown</h4></div></body></html>',
    ],
)
def test_html_that_is_not_ours_is_refused(html: str) -> None:
    with pytest.raises(RenderError):
        html_to_docx(html)


@pytest.mark.libreoffice
def test_libreoffice_turns_the_docx_into_a_pdf_with_the_same_text(renderer: Renderer, tmp_path: Path) -> None:
    value = decision_in("en")
    decision = parse_decision(value)
    paths = []
    for kind in (DocumentKind.MOTION, DocumentKind.ORDER, DocumentKind.LETTER):
        path = tmp_path / f"{kind.value}.docx"
        path.write_bytes(renderer.render(kind, [decision], OutputFormat.DOCX).content)
        paths.append(path)
    for pdf in convert_to_pdf(paths, tmp_path):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
        ).stdout
        assert value["person"]["name"] in text
        assert value["case"]["number"] in text


def test_two_docx_renders_of_one_decision_are_byte_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A document rendered twice must end up once, with one hash, even across a second boundary."""
    import time as real_time

    renderer = Renderer(Settings())
    decision = parse_decision(example_decision())
    first = renderer.render(DocumentKind.ORDER, [decision], OutputFormat.DOCX).content
    real_now = real_time.time()
    monkeypatch.setattr(real_time, "time", lambda: real_now + 3600)
    monkeypatch.setattr(real_time, "localtime", lambda *_: real_time.gmtime(real_now + 3600))
    second = renderer.render(DocumentKind.ORDER, [decision], OutputFormat.DOCX).content
    assert first == second


def test_the_stable_writer_writes_what_python_docx_saves_with_fixed_times() -> None:
    """stable_package uses python-docx's private content-types builder: a new release must not drift."""
    from service.render.docx_base import base_document, stable_package

    document = docx.Document(io.BytesIO(base_document(True, "en")))
    document.add_paragraph("People's motion")
    saved = io.BytesIO()
    document.save(saved)
    ours, theirs = zipfile.ZipFile(io.BytesIO(stable_package(document))), zipfile.ZipFile(saved)
    assert ours.namelist() == theirs.namelist()
    assert [ours.read(name) for name in ours.namelist()] == [theirs.read(name) for name in theirs.namelist()]
    assert {entry.date_time for entry in ours.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_documents_keep_only_the_styles_and_parts_they_use(renderer: Renderer) -> None:
    decision = parse_decision(example_decision())
    for kind in (DocumentKind.MOTION, DocumentKind.ORDER, DocumentKind.LETTER):
        package = zipfile.ZipFile(io.BytesIO(renderer.render(kind, [decision], OutputFormat.DOCX).content))
        names = package.namelist()
        assert not [n for n in names if re.search("stylesWithEffects|thumbnail|customXml|numbering", n)]
        styles = package.read("word/styles.xml").decode()
        assert "w:latentStyles" not in styles and styles.count("<w:style ") < 40
        for part in names:  # every style a part names is defined
            text = package.read(part).decode(errors="replace")
            named = re.findall(r'w:(?:pStyle|rStyle|tblStyle|basedOn|link|next) w:val="([^"]+)"', text)
            assert [n for n in set(named) if f'w:styleId="{n}"' not in styles] == [], (kind, part)
