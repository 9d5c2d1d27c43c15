"""Exhibit A lodged conditionally under seal, and its public version without CII numbers or dates of birth."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from service.core.kinds import ExhibitVariant
from service.core.models import Decision
from service.render import OutputFormat, Renderer
from service.render.documents import ExhibitPart, summarize
from service.render.templating import long_date, short_date
from service.settings import Settings
from tests.pdftools import page_words, run_tool, table_lines
from tests.unit.render.test_exhibit import DASH, HEADER, LANDSCAPE_LETTER, sample

CONFIDENTIAL = "CONFIDENTIAL — LODGED CONDITIONALLY UNDER SEAL (Cal. Rules of Court, rule 2.551)"
PUBLIC = (
    "PUBLIC VERSION — REDACTS CII NUMBERS AND DATES OF BIRTH FROM THE CONFIDENTIAL EXHIBIT LODGED "
    "CONDITIONALLY UNDER SEAL"
)
PART = ExhibitPart(2, 3, 41, 30, 100)  # thirty sample cases: two landscape pages


@pytest.fixture(scope="module")
def sealing() -> Renderer:
    """Return a renderer for installations where every court seals its exhibit and files a public one."""
    return Renderer(
        Settings(confidential_exhibit_courts=frozenset("*"), public_exhibit_courts=frozenset("*"))
    )


@pytest.fixture(scope="module")
def decisions() -> list[Decision]:
    return sample(PART.cases)


@pytest.fixture(scope="module")
def versions(
    sealing: Renderer, decisions: list[Decision], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Render the same two-page part in every version; return each PDF's path by version."""
    folder = tmp_path_factory.mktemp("versions")
    paths = {}
    for variant in ExhibitVariant:
        document = sealing.exhibit(
            PART, decisions, summarize(decisions, parts=PART.of), final=True, variant=variant
        )
        paths[variant.value] = folder / f"{variant.value}.pdf"
        paths[variant.value].write_bytes(sealing.convert(document, OutputFormat.PDF).content)
    return paths


def page_texts(path: Path) -> list[str]:
    """Return each page's text as pdftotext extracts it page by page, white space collapsed."""
    pages = len(PdfReader(path).pages)
    return [
        " ".join(run_tool("pdftotext", "-f", str(n), "-l", str(n), str(path), "-").split())
        for n in range(1, pages + 1)
    ]


def listed(path: Path, columns: int) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Return the case numbers a part lists, and each count as (case number, count, code section)."""
    cases, counts, case = [], [], ""
    for line in table_lines(path.read_bytes(), HEADER):
        if len(line) != columns or " ".join(filter(None, line)).startswith(("Exhibit A,", "End of Part")):
            continue
        if line[1]:
            case = line[1]
            cases.append(case)
        count, section = line[columns - 6], line[columns - 5]
        if count:
            counts.append((case, count, section))
    return cases, counts


def test_the_public_version_prints_no_cii_and_no_date_of_birth_of_any_case(
    versions: dict[str, Path], decisions: list[Decision]
) -> None:
    text = " ".join(page_texts(versions["public"]))
    ciis = [d.person.cii for d in decisions if d.person.cii]
    births = [
        form
        for d in decisions
        for form in (short_date(d.person.dob), d.person.dob.isoformat(), long_date(d.person.dob))
    ]
    assert len(ciis) >= 20 and len(births) == 3 * len(decisions)
    assert [cii for cii in ciis if cii in text] == []
    assert [birth for birth in births if birth in text] == []
    assert "No. Case number Name (and other names) Convicted Ct." in text  # no column headed CII
    assert all(d.person.name in text and d.case.number in text for d in decisions)
    confidential = " ".join(page_texts(versions["confidential"]))
    assert "Name (and other names) CII Convicted" in confidential
    assert all(cii in confidential for cii in ciis)  # the sealed exhibit keeps every column


def test_the_confidential_legend_heads_every_page_and_the_public_legend_too(
    versions: dict[str, Path],
) -> None:
    for variant, legend in (("confidential", CONFIDENTIAL), ("public", PUBLIC)):
        pages = page_texts(versions[variant])
        assert len(pages) == 2
        assert all(page.startswith(legend) for page in pages), (variant, [page[:130] for page in pages])
    assert not any("UNDER SEAL" in page for page in page_texts(versions["full"]))


def test_both_versions_list_the_same_cases_and_counts_in_the_same_part(
    versions: dict[str, Path], decisions: list[Decision]
) -> None:
    confidential = listed(versions["confidential"], 11)
    public = listed(versions["public"], 10)
    assert confidential == public
    assert confidential[0] == [d.case.number for d in decisions]
    assert len(confidential[1]) == sum(len(d.counts) for d in decisions)
    label = f"Part 2 of 3: Cases 41{DASH}70 of 100"
    for variant in ("confidential", "public"):
        first = page_texts(versions[variant])[0]
        assert f"EXHIBIT A {label}" in first and "End of Part 2 of 3" in page_texts(versions[variant])[-1]


def test_the_first_page_says_it_is_lodged_under_seal_and_whether_a_public_version_is_filed(
    versions: dict[str, Path], decisions: list[Decision]
) -> None:
    sealed = page_texts(versions["confidential"])
    assert "This exhibit is lodged conditionally under seal" in sealed[0]
    assert "A public version that redacts CII numbers and dates of birth is filed with it" in sealed[0]
    assert "lodged conditionally under seal under California Rules" not in sealed[1]  # the notice: page 1
    public = page_texts(versions["public"])[0]
    assert "Public version of Exhibit A. CII numbers and dates of birth are redacted" in public
    alone = Renderer(Settings(confidential_exhibit_courts=frozenset({"la-ccb"})))  # codes match in any case
    document = alone.exhibit(
        PART, decisions, summarize(decisions, parts=PART.of), final=True, variant=ExhibitVariant.CONFIDENTIAL
    )
    assert "No public version of this exhibit is filed." in " ".join(document.html.split())


def test_the_bookmark_and_title_say_which_version(versions: dict[str, Path]) -> None:
    range_ = f"Part 2 of 3: Cases 41{DASH}70 of 100"
    expected = {
        "full": f"Exhibit A, {range_}",
        "confidential": f"Exhibit A (confidential), {range_}",
        "public": f"Exhibit A (public version), {range_}",
    }
    for variant, title in expected.items():
        reader = PdfReader(versions[variant])
        assert [item.title for item in reader.outline] == [title]
        assert reader.metadata is not None and reader.metadata.title == title


def test_every_version_keeps_its_type_and_table_inside_the_landscape_page(versions: dict[str, Path]) -> None:
    for variant, path in versions.items():
        for words in page_words(path.read_bytes()):
            for word in words:
                assert word.size >= 8.99, (variant, word)
                assert word.x0 >= 72 - 0.5 and word.x1 <= LANDSCAPE_LETTER[0] - 36 + 0.5, (variant, word)
                assert word.top >= 18 and word.bottom <= LANDSCAPE_LETTER[1] - 18, (variant, word)


def test_an_exhibit_of_a_court_that_asks_for_nothing_is_the_full_one(decisions: list[Decision]) -> None:
    renderer = Renderer(Settings(confidential_exhibit_courts=frozenset({"OTHER"})))
    document = renderer.exhibit(PART, decisions, summarize(decisions, parts=PART.of), final=True)
    content = renderer.convert(document, OutputFormat.PDF).content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "UNDER SEAL" not in text and "PUBLIC VERSION" not in text
    assert all(d.person.cii in text for d in decisions if d.person.cii)


@pytest.mark.parametrize("kind", ["omnibus_motion", "omnibus_order"])
def test_the_motion_and_order_say_a_sealed_exhibit_is_lodged_not_filed(
    sealing: Renderer, decisions: list[Decision], kind: str
) -> None:
    from service.core.kinds import DocumentKind

    prosecutor = [d for d in decisions if d.basis.value == "HSC 11361.9"]
    summary = summarize(prosecutor, parts=3)
    sealed = " ".join(sealing.omnibus(DocumentKind(kind), prosecutor[0], summary, None).html.split())
    assert "Exhibit A, lodged conditionally under seal (a public version without CII numbers filed)" in sealed
    assert "Exhibit A, filed with this document" not in sealed
    plain = Renderer(Settings()).omnibus(DocumentKind(kind), prosecutor[0], summary, None).html
    assert "Exhibit A, filed with this document in 3 parts" in " ".join(plain.split())
