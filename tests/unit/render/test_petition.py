"""HSC 11361.8 is answered, not moved: the papers of a person's own petition/application, read from the PDF.

Under 11361.8 the person petitions or applies (Judicial Council CR-400) and the prosecutor
responds (CR-402); a People's motion would misstate who asked. Under 11361.9 the People move.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

from service.core.validation import parse_decision
from service.errors import RenderError
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import ExhibitPart, summarize
from service.settings import Settings
from tests.conftest import example_decision
from tests.pdftools import pdf_text
from tests.signers import SIGNER
from tests.unit.render.test_resentence_wording import body_text as lines_text

PETITION, REVIEW = "HSC 11361.8", "HSC 11361.9"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def decision(basis: str, *, serving: bool = False) -> dict[str, Any]:
    """Return the example decision under `basis`; `serving`: count 1 a sentence still being served."""
    value = example_decision()
    value["basis"] = basis
    if serving:
        value["counts"][0].update(section="11360(a)", sentence_completed=False, relief="resentence")
    return value


def body_text(path: Path) -> str:
    """Return the words right of the line numbers and above the footer; a line broken after "/" joined."""
    return lines_text(path).replace("/ ", "/")


def render(renderer: Renderer, kind: DocumentKind, value: dict[str, Any], tmp_path: Path) -> Path:
    """Render a per-case document, an omnibus one or an Exhibit A part of one decision, signed, as a PDF."""
    parsed = parse_decision(value)
    summary = summarize([parsed], parts=1)
    if kind is DocumentKind.EXHIBIT:
        document = renderer.exhibit(ExhibitPart(1, 1, 1, 1, 1), [parsed], summary, final=True)
    elif kind in (DocumentKind.MOTION, DocumentKind.ORDER):
        document = renderer.html(kind, [parsed], signer=SIGNER)
    else:
        document = renderer.omnibus(kind, parsed, summary, SIGNER)
    path = tmp_path / f"{kind.value}-{parsed.basis.value[-1]}.pdf"
    path.write_bytes(renderer.convert(document, OutputFormat.PDF).content)
    return path


def test_the_response_to_a_petition_says_petition_and_no_objection_never_motion(
    renderer: Renderer, tmp_path: Path
) -> None:
    path = render(renderer, DocumentKind.MOTION, decision(PETITION, serving=True), tmp_path)
    text = body_text(path)
    assert "PEOPLE'S RESPONSE TO PETITION/APPLICATION FOR RELIEF (HSC § 11361.8): NO OBJECTION" in text
    assert "María Elena García, also known as Maria Garcia, Defendant/Petitioner." in text
    assert (
        "The defendant/petitioner, María Elena García, has petitioned or applied to this Court for relief "
        "under Health and Safety Code section 11361.8 in case number BA123456. The People of the State of "
        "California, by and through the Los Angeles County District Attorney's Office, respond that they "
        "do not object to the petition/application and do not request a hearing."
    ) in text
    assert "1 HSC § 11360(a) Felony 06/15/1998 Recall sentence for resentencing" in text
    assert (
        "the People do not object to the Court recalling each such sentence under Health and Safety Code "
        "section 11361.8 and setting resentencing on each such count."
    ) in text
    assert "The People have reviewed this case and do not object to the relief stated above." in text
    footer = pdf_text(path)
    assert "PEOPLE'S RESPONSE TO PETITION/APPLICATION (HSC § 11361.8): NO OBJECTION" in footer
    for wrong in ("motion", "move this court", "ask the court to grant", "do not oppose", "11361.9"):
        assert wrong not in footer.lower(), wrong


def test_the_order_on_a_petition_grants_the_petition_not_a_motion(renderer: Renderer, tmp_path: Path) -> None:
    path = render(renderer, DocumentKind.ORDER, decision(PETITION), tmp_path)
    text = body_text(path)
    assert "[PROPOSED] ORDER GRANTING PETITION/APPLICATION TO REDESIGNATE AS MISDEMEANOR" in text
    assert "Defendant/Petitioner." in text
    assert (
        "The Court has considered the petition/application of the defendant/petitioner, María Elena García, "
        "for relief under Health and Safety Code section 11361.8 in case number BA123456, and the People's "
        "response stating that they do not object to it. Good cause appearing, the petition/application is "
        "GRANTED."
    ) in text
    assert "summary criminal history record of the defendant/petitioner (CII A12345678)" in text
    footer = pdf_text(path)
    assert "[PROPOSED] ORDER GRANTING PETITION/APPLICATION UNDER HSC § 11361.8" in footer
    assert "motion" not in footer.lower() and "11361.9" not in footer


def test_the_motion_and_order_under_11361_9_are_the_peoples_motion_as_before(
    renderer: Renderer, tmp_path: Path
) -> None:
    motion = body_text(render(renderer, DocumentKind.MOTION, decision(REVIEW), tmp_path))
    assert "PEOPLE'S MOTION TO REDESIGNATE AS MISDEMEANOR AND DISMISS AND SEAL" in motion
    assert "María Elena García, also known as Maria Garcia, Defendant." in motion
    assert (
        "The People of the State of California, by and through the Los Angeles County District "
        "Attorney's Office, move this Court for an order granting, as to each count listed below, the "
        "relief stated for that count in case number BA123456, under Health and Safety Code section 11361.9."
    ) in motion
    assert "and do not challenge the relief stated above." in motion
    order = body_text(render(renderer, DocumentKind.ORDER, decision(REVIEW), tmp_path))
    assert "ORDER GRANTING MOTION TO REDESIGNATE AS MISDEMEANOR AND DISMISS AND SEAL" in order
    assert "Good cause appearing, the motion is GRANTED." in order
    for text in (motion, order):
        assert "petition" not in text.lower() and "11361.8 (" not in text


def test_the_omnibus_response_and_order_answer_petitions_under_one_basis(
    renderer: Renderer, tmp_path: Path
) -> None:
    value = decision(PETITION, serving=True)
    response = body_text(render(renderer, DocumentKind.OMNIBUS_RESPONSE, value, tmp_path))
    order = body_text(render(renderer, DocumentKind.OMNIBUS_ORDER, value, tmp_path))
    exhibit = " ".join(pdf_text(render(renderer, DocumentKind.EXHIBIT, value, tmp_path)).split())
    assert "PEOPLE'S OMNIBUS RESPONSE TO PETITIONS/APPLICATIONS FOR RELIEF (HSC § 11361.8): NO OBJECTION" in (
        response
    )
    assert "respond that they do not object to any of these petitions/applications" in response
    assert "[PROPOSED] OMNIBUS ORDER GRANTING PETITIONS/APPLICATIONS FOR RELIEF UNDER HSC § 11361.8" in order
    assert "Good cause appearing, each petition/application is GRANTED." in order
    assert "to the Omnibus Response and Order (HSC § 11361.8)" in exhibit
    assert "v. The Defendants/Petitioners Listed in Exhibit A" in exhibit
    assert "Relief under Health and Safety Code section 11361.8" in exhibit
    for text in (response, order):
        assert "THE DEFENDANTS/PETITIONERS LISTED IN EXHIBIT A, Defendants/Petitioners." in text
        assert "(Health and Safety Code section 11361.8)" in text
    for text in (response, order, exhibit):
        assert "motion" not in text.lower() and "11361.9" not in text


def test_the_omnibus_motion_and_exhibit_under_11361_9_name_only_that_basis(
    renderer: Renderer, tmp_path: Path
) -> None:
    motion = body_text(render(renderer, DocumentKind.OMNIBUS_MOTION, decision(REVIEW), tmp_path))
    exhibit = " ".join(pdf_text(render(renderer, DocumentKind.EXHIBIT, decision(REVIEW), tmp_path)).split())
    assert "PEOPLE'S OMNIBUS MOTION FOR RELIEF UNDER HSC § 11361.9" in motion
    assert "THE DEFENDANTS LISTED IN EXHIBIT A, Defendants." in motion
    assert "(Health and Safety Code section 11361.9)" in motion
    assert "to the Omnibus Motion and Order (HSC § 11361.9)" in exhibit
    assert "v. The Defendants Listed in Exhibit A" in exhibit
    assert "Relief under Health and Safety Code section 11361.9" in exhibit
    for text in (motion, exhibit):
        assert "petition" not in text.lower()
    assert "11361.8" not in exhibit


def test_an_omnibus_filing_refuses_both_bases_and_the_wrong_document(renderer: Renderer) -> None:
    petition, review = parse_decision(decision(PETITION)), parse_decision(decision(REVIEW))
    with pytest.raises(RenderError, match=r"one statutory basis, not HSC 11361\.8 and HSC 11361\.9"):
        renderer.omnibus(DocumentKind.OMNIBUS_ORDER, review, summarize([petition, review], parts=1), None)
    with pytest.raises(RenderError, match="one statutory basis"):
        renderer.exhibit(
            ExhibitPart(1, 1, 1, 2, 2),
            [petition, review],
            summarize([petition, review], parts=1),
            final=False,
        )
    with pytest.raises(RenderError, match=r"an HSC 11361\.8 omnibus filing has no omnibus_motion"):
        renderer.omnibus(DocumentKind.OMNIBUS_MOTION, petition, summarize([petition], parts=1), None)
    with pytest.raises(RenderError, match=r"an HSC 11361\.9 omnibus filing has no omnibus_response"):
        renderer.omnibus(DocumentKind.OMNIBUS_RESPONSE, review, summarize([review], parts=1), None)


def test_the_docx_of_a_response_is_a_response(renderer: Renderer) -> None:
    content = renderer.render(
        DocumentKind.MOTION, [parse_decision(decision(PETITION))], OutputFormat.DOCX
    ).content
    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)
    assert "People's Response to Petition/Application for Relief (HSC § 11361.8): No Objection" in text
    assert "Defendant/Petitioner." in text and "do not object to the petition/application" in text
    assert "motion" not in text.lower()
