"""A court filing is signed by the attorney who approved that filing, or it is a draft on every page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest

from service.core.filing import Signer
from service.core.validation import parse_decision
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import ExhibitPart, summarize
from service.settings import Settings
from tests.conftest import example_decision
from tests.pdftools import page_texts as pdf_page_texts
from tests.signers import SIGNED_ON, SIGNER

APPROVER = "Dana R. Whitfield"  # the example decision's approving attorney: never the filing's signer
FOOTER_MARK = "DRAFT: NOT FOR FILING"
NOT_SIGNED = "Not signed: this filing awaits approval"  # "by the attorney who will sign it.", wrapped
# Each template of a court filing, by name: (kind rendered, under HSC 11361.8).
TEMPLATES = {
    "motion": (DocumentKind.MOTION, False),
    "response": (DocumentKind.MOTION, True),  # a per-case 11361.8 case is answered
    "order": (DocumentKind.ORDER, False),
    "omnibus_motion": (DocumentKind.OMNIBUS_MOTION, False),
    "omnibus_response": (DocumentKind.OMNIBUS_RESPONSE, True),
    "omnibus_order": (DocumentKind.OMNIBUS_ORDER, False),
    "exhibit": (DocumentKind.EXHIBIT, False),
}
SIGNED_BY_ATTORNEY = ["motion", "response", "omnibus_motion", "omnibus_response"]  # orders: the judge


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def decisions(cases: int, *, petition: bool) -> list[Any]:
    """Return `cases` decisions of one court (under HSC 11361.8 if `petition`), three counts each."""
    found = []
    for index in range(cases):
        value = example_decision()
        value["decision_id"] = f"{value['decision_id']}-{index}"
        value["case"]["number"] = f"BA{200000 + index}"
        value["counts"] += [dict(value["counts"][1], count=3)]
        if petition:
            value["basis"] = "HSC 11361.8"
        found.append(parse_decision(value))
    return found


def render(renderer: Renderer, template: str, signer: Signer | None, cases: int = 1) -> bytes:
    """Render a filing's PDF (per case: of the first decision; omnibus: of all), signed or a draft.

    An exhibit is signed by no one: it is final with a signer, else a draft.
    """
    kind, petition = TEMPLATES[template]
    found = decisions(cases, petition=petition)
    summary = summarize(found, parts=1)
    if kind is DocumentKind.EXHIBIT:
        document = renderer.exhibit(ExhibitPart.whole(cases), found, summary, final=signer is not None)
    elif kind in (DocumentKind.MOTION, DocumentKind.ORDER):
        document = renderer.html(kind, found[:1], signer=signer)
    else:
        document = renderer.omnibus(kind, found[0], summary, signer)
    return renderer.convert(document, OutputFormat.PDF).content


def page_texts(content: bytes, tmp_path: Path) -> list[str]:
    """Return each page's text as pdftotext reads that page alone (-f i -l i)."""
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return pdf_page_texts(path)


def watermarks(content: bytes) -> list[str]:
    """Return, page by page, the letters set very large (turned along the diagonal): the watermark."""
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return ["".join(c["text"] for c in page.chars if c["size"] > 60) for page in pdf.pages]


def body_text(content: bytes) -> str:
    """Return the text of every page without the watermark, on one line.

    pdftotext reads the watermark's turned letters as fragments among the lines they cross.
    """
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        pages = [page.filter(lambda o: o.get("size", 0) <= 60).extract_text() for page in pdf.pages]
    return one_line(" ".join(pages))


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("template", SIGNED_BY_ATTORNEY)
def test_a_signed_filing_bears_the_signers_s_name_bar_number_email_and_approval_date(
    renderer: Renderer, template: str, tmp_path: Path
) -> None:
    text = body_text(render(renderer, template, SIGNER))
    assert f"/s/ {SIGNER.name}" in text
    assert f"{SIGNER.title}, SBN {SIGNER.bar_number}" in text
    assert f"{SIGNER.name} (SBN {SIGNER.bar_number})" in text  # the attorney block on line 1
    assert SIGNER.email and f"Email: {SIGNER.email}" in text
    assert f"Dated: {SIGNED_ON}" in text
    assert APPROVER not in text  # who approved a decision does not sign the filing


def test_a_signer_without_email_has_no_email_line(renderer: Renderer, tmp_path: Path) -> None:
    without = SIGNER.model_copy(update={"email": None})
    text = body_text(render(renderer, "motion", without))
    assert f"/s/ {SIGNER.name}" in text
    assert "Email" not in text and "@" not in text


@pytest.mark.parametrize("template", ["order", "omnibus_order"])
def test_a_signed_order_names_the_signer_above_and_leaves_the_judges_line_blank(
    renderer: Renderer, template: str, tmp_path: Path
) -> None:
    text = body_text(render(renderer, template, SIGNER))
    assert f"{SIGNER.name} (SBN {SIGNER.bar_number})" in text
    assert "/s/" not in text and "Dated: ____" in text


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_draft_is_signed_by_no_one_and_marked_on_every_page(
    renderer: Renderer, template: str, tmp_path: Path
) -> None:
    content = render(renderer, template, None, cases=40 if "omnibus" not in template else 1)
    pages = page_texts(content, tmp_path)
    text = body_text(content)
    assert "/s/" not in text and APPROVER not in text and SIGNER.name not in text
    assert "Dated: March" not in text
    if template in SIGNED_BY_ATTORNEY:
        assert NOT_SIGNED in text
    assert all(FOOTER_MARK in page for page in pages)
    assert all(mark == "DRAFT" for mark in watermarks(content))
    if template == "exhibit":
        assert len(pages) >= 2  # a multi-page draft: the mark is on each page


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_signed_filing_and_a_final_exhibit_have_no_draft_mark_on_any_page(
    renderer: Renderer, template: str, tmp_path: Path
) -> None:
    content = render(renderer, template, SIGNER, cases=40 if template == "exhibit" else 1)
    assert all(FOOTER_MARK not in page for page in page_texts(content, tmp_path))
    assert watermarks(content) == [""] * len(watermarks(content))


def test_a_long_draft_motion_is_marked_on_each_of_its_pages(renderer: Renderer, tmp_path: Path) -> None:
    value = example_decision()
    value["counts"] += [dict(value["counts"][1], count=3 + extra) for extra in range(30)]
    content = renderer.render(DocumentKind.MOTION, [parse_decision(value)], OutputFormat.PDF).content
    pages = page_texts(content, tmp_path)
    assert len(pages) >= 3
    assert all(FOOTER_MARK in page for page in pages)
    assert watermarks(content) == ["DRAFT"] * len(pages)


def test_draft_flag_marks_even_a_signed_filing(renderer: Renderer, tmp_path: Path) -> None:
    decision = parse_decision(example_decision())
    content = renderer.render(
        DocumentKind.MOTION, [decision], OutputFormat.PDF, signer=SIGNER, draft=True
    ).content
    assert all(FOOTER_MARK in page for page in page_texts(content, tmp_path))
    assert f"/s/ {SIGNER.name}" in one_line("".join(page_texts(content, tmp_path)))


def reopen(content: bytes) -> Any:
    return docx.Document(io.BytesIO(content))


@pytest.mark.parametrize("kind", [DocumentKind.MOTION, DocumentKind.ORDER])
def test_a_draft_docx_says_so_in_the_header_of_every_section_and_is_not_signed(
    renderer: Renderer, kind: DocumentKind
) -> None:
    decision = parse_decision(example_decision())
    document = reopen(renderer.render(kind, [decision], OutputFormat.DOCX).content)
    for section in document.sections:
        headers = [p.text for p in section.header.paragraphs]
        assert "DRAFT: NOT FOR FILING — awaiting approval" in headers
    text = "\n".join(p.text for p in document.paragraphs) + "".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "/s/" not in text and APPROVER not in text


def test_a_signed_docx_has_the_pdfs_signature_block_and_no_draft_header(renderer: Renderer) -> None:
    decision = parse_decision(example_decision())
    document = reopen(
        renderer.render(DocumentKind.MOTION, [decision], OutputFormat.DOCX, signer=SIGNER).content
    )
    assert all("DRAFT" not in p.text for section in document.sections for p in section.header.paragraphs)
    cells = [
        p.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for p in cell.paragraphs
    ]
    assert f"By: /s/ {SIGNER.name}" in cells
    assert f"{SIGNER.title}, SBN {SIGNER.bar_number}" in cells
    assert f"Dated: {SIGNED_ON}" in cells
    assert SIGNER.email in cells
    assert f"{SIGNER.name} (SBN {SIGNER.bar_number})" in [p.text for p in document.paragraphs]
