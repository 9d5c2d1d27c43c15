"""The PDFs as a clerk, a judge and the e-filing system see them: text, fonts, pleading geometry."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service.bundle.filing_index import FilingIndex, FilingRole, IndexItem, build_index
from service.core.filing import Signer
from service.core.models import Decision
from service.core.validation import parse_decision, validate_file
from service.errors import ForbiddenResourceError, MissingGlyphError
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import ExhibitPart, summarize
from service.settings import Settings
from tests.conftest import EXAMPLE_DECISION, SAMPLE_BATCH, example_decision
from tests.pdftools import (
    POINTS_PER_INCH,
    page_sizes,
    page_words,
    pdf_fonts,
    pdf_text,
    reading_text,
    run_tool,
)
from tests.signers import SIGNER

LETTER_SIZE = (612.0, 792.0)
LANDSCAPE_LETTER = (792.0, 612.0)
FOOTER_TOP = 792 - 48  # the pleading footer lives in the bottom margin
LINE_PITCH = 24.0
# Papers on numbered pleading lines; Exhibit A is a table without them (tests/unit/render/test_exhibit.py),
# and so is the filing index, which is not filed (tests/unit/render/test_filing_index_pdf.py).
UNLINED = (DocumentKind.LETTER, DocumentKind.EXHIBIT, DocumentKind.FILING_INDEX)
COURT_PAPERS = [kind for kind in DocumentKind if kind not in UNLINED]
LISTING_CASES = [DocumentKind.MOTION, DocumentKind.ORDER, DocumentKind.LETTER, DocumentKind.EXHIBIT]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def render_pdf(
    renderer: Renderer,
    kind: DocumentKind,
    value: dict[str, Any],
    tmp_path: Path,
    signer: Signer | None = SIGNER,
) -> Path:
    """Render any kind of document from one decision (an omnibus filing of a one-case court batch).

    The omnibus response answers petitions: its decision is made one under HSC 11361.8. A court
    filing is signed by `signer` (its exhibit final), or a draft without one.
    """
    if kind is DocumentKind.OMNIBUS_RESPONSE:
        value = dict(value, basis="HSC 11361.8")
    decision = parse_decision(value)
    summary = summarize([decision], parts=1)
    if kind in (DocumentKind.OMNIBUS_MOTION, DocumentKind.OMNIBUS_RESPONSE, DocumentKind.OMNIBUS_ORDER):
        document = renderer.convert(renderer.omnibus(kind, decision, summary, signer), OutputFormat.PDF)
    elif kind is DocumentKind.FILING_INDEX:
        document = renderer.convert(renderer.filing_index(one_case_index(decision)), OutputFormat.PDF)
    elif kind is DocumentKind.EXHIBIT:
        document = renderer.convert(
            renderer.exhibit(ExhibitPart.whole(1), [decision], summary, final=signer is not None),
            OutputFormat.PDF,
        )
    else:
        document = renderer.render(kind, [decision], OutputFormat.PDF, signer=signer)
    path = tmp_path / f"{kind.value}{'' if signer else '-draft'}.pdf"
    path.write_bytes(document.content)
    return path


def one_case_index(decision: Decision) -> FilingIndex:
    """Return the filing index of a per-case filing of one decision: its motion and order."""
    items = [
        IndexItem(f"cases/{decision.case.number}/{kind}.pdf", kind.title(), kind, FilingRole.FILE, 2, 40_000,
                  decision.case.number, decision.basis.value)
        for kind in ("motion", "order")
    ]  # fmt: skip
    return build_index(
        court_code=decision.court.code, court_name=decision.court.name, batch_id="b1", mode="per-case",
        final=False, signer_line="", missing=(), items=items, envelope_limit=35_000_000,
    )  # fmt: skip


def line_numbers(words: list[Any]) -> dict[int, Any]:
    """Return the words in the left margin that are line numbers, by number."""
    return {int(w.text): w for w in words if w.text.isdigit() and w.x1 < POINTS_PER_INCH * 1.5 - 6}


@pytest.mark.parametrize("kind", LISTING_CASES)
def test_document_text_has_name_case_number_and_every_section(
    renderer: Renderer, kind: DocumentKind, tmp_path: Path
) -> None:
    value = example_decision()
    text = pdf_text(render_pdf(renderer, kind, value, tmp_path))
    assert value["person"]["name"] in text
    assert value["case"]["number"] in text
    for count in value["counts"]:
        assert count["section"] in text


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_only_bundled_fonts_are_used_and_all_are_embedded(
    renderer: Renderer, kind: DocumentKind, tmp_path: Path
) -> None:
    fonts = pdf_fonts(render_pdf(renderer, kind, example_decision(), tmp_path))
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes" and font["uni"] == "yes", font
        assert font["name"].split("+")[-1].startswith("Courtdocs-"), font  # only fonts/ via @font-face


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_pdf_passes_qpdf_check_and_is_letter_size(
    renderer: Renderer, kind: DocumentKind, tmp_path: Path
) -> None:
    path = render_pdf(renderer, kind, example_decision(), tmp_path)
    assert "No syntax or stream encoding errors" in run_tool("qpdf", "--check", str(path))
    expected = LANDSCAPE_LETTER if kind is DocumentKind.EXHIBIT else LETTER_SIZE  # a wide table
    assert set(page_sizes(path.read_bytes())) == {expected}


@pytest.mark.parametrize("kind", COURT_PAPERS)
def test_every_page_has_line_numbers_1_to_28_in_the_left_margin_24_points_apart(
    renderer: Renderer, kind: DocumentKind, tmp_path: Path
) -> None:
    pages = page_words(render_pdf(renderer, kind, example_decision(), tmp_path).read_bytes())
    assert len(pages) >= 1
    for words in pages:
        numbers = line_numbers(words)
        assert sorted(numbers) == list(range(1, 29))
        tops = [numbers[n].top for n in range(1, 29)]
        assert all(abs((b - a) - LINE_PITCH) < 0.5 for a, b in itertools.pairwise(tops))
        assert abs(numbers[1].top - POINTS_PER_INCH) < 12  # line 1 starts at the 1-inch top margin


@pytest.mark.parametrize("kind", COURT_PAPERS)
def test_body_text_respects_margins_is_12pt_and_sits_on_numbered_lines(
    renderer: Renderer, kind: DocumentKind, tmp_path: Path
) -> None:
    pages = page_words(render_pdf(renderer, kind, example_decision(), tmp_path).read_bytes())
    for words in pages:
        numbers = line_numbers(words)
        baselines = [w.bottom for w in numbers.values()]
        margin_numbers = {id(word) for word in numbers.values()}
        body = [w for w in words if id(w) not in margin_numbers and w.top < FOOTER_TOP]
        assert body
        for word in body:
            assert word.x0 >= POINTS_PER_INCH * 1.0, word  # left margin at least 1 inch
            assert word.x1 <= LETTER_SIZE[0] - POINTS_PER_INCH / 2, word  # right margin at least 1/2 inch
            assert word.size >= 12, word
            assert min(abs(word.bottom - b) for b in baselines) < 1.0, f"{word} is off the numbered lines"


@pytest.mark.parametrize(
    ("kind", "title"),
    [(DocumentKind.MOTION, "MOTION FOR RELIEF"), (DocumentKind.ORDER, "ORDER GRANTING RELIEF")],
)
def test_footer_has_title_and_page_number_on_every_page_of_a_two_page_paper(
    renderer: Renderer, kind: DocumentKind, title: str, tmp_path: Path
) -> None:
    value = example_decision()
    value["counts"] = [dict(value["counts"][0], count=n) for n in range(1, 13)]  # long enough for 2+ pages
    pages = page_words(render_pdf(renderer, kind, value, tmp_path).read_bytes())
    assert len(pages) >= 2
    for number, words in enumerate(pages, start=1):
        footer = [w for w in words if w.top >= FOOTER_TOP]
        footer_text = " ".join(w.text for w in footer)
        assert title in footer_text
        assert str(number) in [w.text for w in footer]
        assert all(w.size >= 9.99 for w in footer)


def test_first_page_has_filer_block_court_title_near_line_8_and_caption(
    renderer: Renderer, tmp_path: Path
) -> None:
    value = example_decision()
    words = page_words(render_pdf(renderer, DocumentKind.MOTION, value, tmp_path).read_bytes())[0]
    numbers = line_numbers(words)

    def line_of(text: str) -> int:
        word = next(w for w in words if w.text == text and w.x0 >= POINTS_PER_INCH)
        return min(numbers, key=lambda n: abs(numbers[n].bottom - word.bottom))

    assert line_of("Reyes") == 1  # the attorney who signs this filing, not who approved the decision
    assert line_of("SUPERIOR") in (8, 9)
    assert line_of("Defendant.") > line_of("SUPERIOR")
    case_word = next(w for w in words if w.text == "BA123456")
    assert case_word.x0 > LETTER_SIZE[0] / 2  # case number on the right of the caption
    stamp_area = [w for w in words if w.x0 > 360 and w.top < numbers[7].bottom]
    assert stamp_area == []  # lines 1-7 on the right are left blank for the clerk's stamp


def test_two_renders_of_one_decision_are_byte_identical(renderer: Renderer) -> None:
    decision = parse_decision(example_decision())
    first = renderer.render(DocumentKind.MOTION, [decision], OutputFormat.PDF).content
    second = renderer.render(DocumentKind.MOTION, [decision], OutputFormat.PDF).content
    assert first == second


def test_renders_in_separate_processes_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"order-{seed}.pdf"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        command = [
            sys.executable,
            "-m",
            "service",
            "render",
            str(EXAMPLE_DECISION),
            "--doc",
            "order",
            "--out",
            str(out),
        ]
        subprocess.run(command, check=True, env=env, capture_output=True, timeout=120)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_pdf_metadata_has_title_author_and_subject(renderer: Renderer, tmp_path: Path) -> None:
    info = run_tool("pdfinfo", str(render_pdf(renderer, DocumentKind.ORDER, example_decision(), tmp_path)))
    fields = {key: value.strip() for key, _, value in (line.partition(":") for line in info.splitlines())}
    assert fields["Title"].startswith("[Proposed] Order Granting Motion to Redesignate as Misdemeanor")
    assert fields["Author"] == "Los Angeles County District Attorney's Office"
    assert fields["Subject"] == "Case BA123456"


@pytest.mark.parametrize("name", ["<b>x</b>", "{{ 7*7 }}", "{% raw %}", "&amp; <script>alert(1)</script>"])
@pytest.mark.parametrize("kind", LISTING_CASES)
def test_names_made_of_markup_or_template_syntax_print_literally(
    renderer: Renderer, kind: DocumentKind, name: str, tmp_path: Path
) -> None:
    value = example_decision()
    value["person"]["name"] = name
    path = render_pdf(renderer, kind, value, tmp_path)
    if kind is DocumentKind.EXHIBIT:  # the narrow name column wraps: read that column alone
        words = [w for page in page_words(path.read_bytes()) for w in page if 150 <= w.x0 < 280]
        assert "".join(name.split()) in "".join(w.text for w in words)
    else:
        assert " ".join(name.split()) in reading_text(path)


def test_a_name_that_tries_to_pull_in_a_local_file_gets_only_its_literal_text(
    renderer: Renderer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    value = example_decision()
    uri = secret.as_uri()  # one reference per field: the path is long, names stop at 200 characters
    value["person"]["name"] = f'<img src="{uri}">'
    value["person"]["aka"] = [f"<link rel=stylesheet href='{uri}'>", f"<iframe src='{uri}'></iframe>"]
    text = pdf_text(render_pdf(renderer, DocumentKind.MOTION, value, tmp_path))
    assert "TOP-SECRET-CONTENT" not in text
    assert "secret.txt" in text and "<img src=" in text


@pytest.mark.parametrize(
    "reference",
    [
        '<img src="file:///etc/passwd">',
        '<img src="http://127.0.0.1:9/x.png">',
        '<link rel="stylesheet" href="https://example.invalid/x.css">',
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
        '<style>@import url("file:///etc/hostname");</style>',
        '<div style="background: url(file:///etc/hostname)">x</div>',
        '<img src="../../etc/passwd">',
    ],
)
def test_the_pdf_engine_refuses_every_resource_outside_the_projects_assets(
    renderer: Renderer, reference: str
) -> None:
    with pytest.raises(ForbiddenResourceError):
        renderer.pdf.render(f"<html><body><p>x</p>{reference}</body></html>")


def test_a_character_no_bundled_font_has_fails_clearly_instead_of_printing_boxes(
    renderer: Renderer,
) -> None:
    value = example_decision()
    value["person"]["aka"] = ["𐀀𐀁"]  # Linear B: no bundled font draws it
    with pytest.raises(MissingGlyphError, match="U\\+10000"):
        renderer.render(DocumentKind.MOTION, [parse_decision(value)], OutputFormat.PDF)


@pytest.mark.parametrize(
    "name",
    ["Nguyễn Thị Ánh Tuyết", "José Ñúñez Peña", "Łukasz Żółć", "Ngô Bảo Châu", "Zoë Brontë-Ægir"],
)
def test_latin_names_with_diacritics_render_exactly(renderer: Renderer, name: str, tmp_path: Path) -> None:
    value = example_decision()
    value["person"]["name"] = name
    assert name in pdf_text(render_pdf(renderer, DocumentKind.LETTER, value, tmp_path))


def test_every_decision_of_the_shared_sample_batch_renders_including_armenian_names(
    renderer: Renderer, tmp_path: Path
) -> None:
    decisions = validate_file(SAMPLE_BATCH).decisions
    assert len(decisions) == 24
    for decision in decisions:
        document = renderer.render(DocumentKind.MOTION, [decision], OutputFormat.PDF)
        path = tmp_path / f"{decision.decision_id}.pdf"
        path.write_bytes(document.content)
        text = reading_text(path)
        for name in [decision.person.name, *decision.person.aka]:
            assert name in text, decision.decision_id


def test_glyph_coverage_holds_exactly_the_code_points_of_the_fonts() -> None:
    from fontTools.ttLib import TTFont

    from service.render.pdf import GlyphCoverage

    cmaps: set[int] = set()
    for path in sorted(Settings().fonts_dir.glob("*.[ot]tf")):
        with TTFont(path, lazy=True) as font:
            cmaps.update(font.getBestCmap())
    coverage = GlyphCoverage(cmaps)
    assert [cp for cp in range(sys.maxunicode + 1) if (cp in coverage) != (cp in cmaps)] == []
    assert -1 not in coverage and sys.maxunicode + 1 not in coverage and "A" not in coverage
