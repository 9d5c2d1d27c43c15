"""Exhibit A as a clerk works from it: one row per count, every column, parts, bookmarks, density."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from service.core.models import Basis, Decision
from service.core.sample import generate_decisions
from service.core.validation import parse_decision
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import ExhibitPart, summarize
from service.settings import Settings
from tests.conftest import example_decision
from tests.pdftools import page_sizes, page_words, pdf_text, table_lines

HEADER = ("No.", "Basis")
COLUMNS = [
    "No.",
    "Case number",
    "Name (and other names)",
    "CII",
    "Convicted",
    "Ct.",
    "Code section",
    "Level before",
    "Relief",
    "Level or status after",
    "Basis",
]
LANDSCAPE_LETTER = (792.0, 612.0)
DASH = "\N{EN DASH}"  # a range of cases, as typeset


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def render(renderer: Renderer, decisions: list[Decision], part: ExhibitPart | None = None) -> bytes:
    part = part or ExhibitPart.whole(len(decisions))
    document = renderer.exhibit(part, decisions, summarize(decisions, parts=part.of), final=True)
    return renderer.convert(document, OutputFormat.PDF).content


def redesignated() -> dict[str, Any]:
    """Return the example decision: a felony redesignated, a misdemeanor dismissed, two AKAs."""
    value = example_decision()
    value["person"]["aka"] = ["Maria Garcia", "María E. García"]
    return value


def sample(cases: int) -> list[Decision]:
    """Return `cases` sample decisions of one basis (an exhibit lists the cases of one filing)."""
    generated = (parse_decision(value) for value in generate_decisions(cases * 3, seed=1, courts=1))
    decisions = [decision for decision in generated if decision.basis is Basis.PROSECUTOR_REVIEW][:cases]
    assert len(decisions) == cases
    return sorted(decisions, key=lambda decision: decision.case.number)


def rows(content: bytes) -> list[list[str]]:
    """Return the table's lines, without the page footers and the closing line."""
    return [
        line
        for line in table_lines(content, HEADER)
        if not " ".join(filter(None, line)).startswith(("Exhibit A,", "End of Part"))
    ]


def test_each_count_is_a_row_with_every_column_a_clerk_needs(renderer: Renderer, tmp_path: Path) -> None:
    content = render(renderer, [parse_decision(redesignated())])
    path = tmp_path / "exhibit.pdf"
    path.write_bytes(content)
    layout = " ".join(pdf_text(path).split())
    assert " ".join(COLUMNS) in layout  # the heading, in this order
    assert rows(content) == [
        [
            "1",
            "BA123456",
            "María Elena García",
            "A12345678",
            "06/15/1998",
            "1",
            "HSC § 11359",
            "Felony",
            "Redesignate as misdemeanor",
            "Misdemeanor",
            "HSC 11361.9",
        ],
        ["", "", "aka Maria Garcia", "", "", "", "", "", "", "", ""],
        [
            "",
            "",
            "",
            "",
            "",
            "2",
            "HSC § 11357(b)",
            "Misdemeanor",
            "Dismiss and seal",
            "Dismissed and sealed",
            "",
        ],
        ["", "", "aka María E. García", "", "", "", "", "", "", "", ""],
    ]


def test_a_recalled_sentence_keeps_its_level_and_says_the_sentence_is_recalled(
    renderer: Renderer,
) -> None:
    value = redesignated()
    value["counts"][0].update(section="11360(a)", sentence_completed=False, relief="resentence")
    lines = rows(render(renderer, [parse_decision(value)]))
    assert lines[0][6:10] == ["HSC § 11360(a)", "Felony", "Recall sentence for", "Felony; sentence"]
    assert lines[1][8:10] == ["resentencing", "recalled"]


def test_every_page_names_the_part_its_cases_the_court_and_its_page(renderer: Renderer) -> None:
    decisions = sample(60)
    content = render(renderer, decisions, ExhibitPart(2, 3, 101, 60, 250))
    pages = page_words(content)
    assert len(pages) >= 2
    for number, words in enumerate(pages, start=1):
        text = " ".join(w.text for w in words)
        assert f"EXHIBIT A · Part 2 of 3 · Cases 101{DASH}160 of 250" in text
        assert "Superior Court of California, County of Los Angeles" in text
        assert f"Exhibit A, Part 2 of 3 · page {number} of {len(pages)}" in text
    first = " ".join(w.text for w in pages[0])
    assert f"EXHIBIT A Part 2 of 3: Cases 101{DASH}160 of 250" in first
    last = " ".join(w.text for w in pages[-1])
    assert f"End of Part 2 of 3 (cases 101{DASH}160 of 250)" in last and "end of Exhibit A" not in last
    numbers = [line[0] for line in rows(content) if line[0]]
    assert numbers == [str(n) for n in range(101, 161)]  # the No. column counts the whole exhibit's cases


def test_case_numbers_past_a_thousand_are_grouped(renderer: Renderer) -> None:
    decisions = sample(3)
    content = render(renderer, decisions, ExhibitPart(15, 15, 1430, 3, 1432))
    assert [line[0] for line in rows(content) if line[0]] == ["1,430", "1,431", "1,432"]
    assert f"(cases 1,430{DASH}1,432 of 1,432): end of Exhibit A" in " ".join(
        w.text for w in page_words(content)[-1]
    )
    assert f"Cases 1,430{DASH}1,432 of 1,432" in " ".join(w.text for w in page_words(content)[0])


def test_a_part_is_a_bookmark_and_so_is_each_omnibus_document(renderer: Renderer) -> None:
    decisions = sample(5)
    outline = PdfReader(io.BytesIO(render(renderer, decisions, ExhibitPart(2, 3, 101, 5, 250)))).outline
    assert [item.title for item in outline] == [f"Exhibit A, Part 2 of 3: Cases 101{DASH}105 of 250"]
    summary = summarize(decisions, parts=3)
    for kind in (DocumentKind.OMNIBUS_MOTION, DocumentKind.OMNIBUS_ORDER):
        document = renderer.convert(renderer.omnibus(kind, decisions[0], summary, None), OutputFormat.PDF)
        outline = PdfReader(io.BytesIO(document.content)).outline
        titles = [item.title for item in outline if not isinstance(item, list)]  # lists: sub-entries
        assert titles[0] == document_title(kind), titles


def document_title(kind: DocumentKind) -> str:
    if kind is DocumentKind.OMNIBUS_MOTION:
        return "People's Omnibus Motion for Relief under HSC § 11361.9"
    return "[Proposed] Omnibus Order Granting Relief under HSC § 11361.9"


def test_a_hundred_cases_take_five_landscape_pages_not_eight(renderer: Renderer) -> None:
    """On pleading lines 100 sample cases (155 counts) took 8 pages, 12 cases a page."""
    decisions = sample(100)
    content = render(renderer, decisions)
    assert len(rows(content)) >= sum(len(d.counts) for d in decisions)
    assert len(page_sizes(content)) <= 5
    assert set(page_sizes(content)) == {LANDSCAPE_LETTER}


def test_the_type_is_at_least_9_points_and_inside_the_margins(renderer: Renderer) -> None:
    for words in page_words(render(renderer, sample(40))):
        for word in words:
            assert word.size >= 8.99, word
            assert word.x0 >= 72 - 0.5 and word.x1 <= LANDSCAPE_LETTER[0] - 36 + 0.5, word  # 1 in, 1/2 in
            assert word.top >= 18 and word.bottom <= LANDSCAPE_LETTER[1] - 18, word


def test_a_part_that_says_more_cases_than_it_has_is_refused(renderer: Renderer) -> None:
    from service.errors import RenderError

    with pytest.raises(RenderError, match="says 2 cases but has 1"):
        renderer.exhibit(ExhibitPart(1, 1, 1, 2, 2), sample(1), summarize(sample(1), parts=1), final=False)
