"""The filing index PDF as whoever files a bundle reads it: rows in order, banners, envelopes, bookmarks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from service.bundle.filing_index import FilingIndex, FilingRole, IndexItem, build_index
from service.render import OutputFormat, Renderer
from service.render.filing_index import human_size
from service.settings import Settings
from tests.pdftools import pdf_fonts, reading_text, run_tool

SIGNED = "Signed by Jane Roe, SBN 123456, on December 1, 2026"
HEADING = "# Env. Document Pages Size Role"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Settings())


def exhibit_parts(count: int, size: int = 1_400_000) -> list[IndexItem]:
    """Return an omnibus filing: motion, order, `count` Exhibit A parts, then the clerk import."""
    basis = "HSC 11361.9"
    items = [
        IndexItem("omnibus/hsc-11361.9-omnibus-motion.pdf", "People's omnibus motion", "omnibus_motion",
                  FilingRole.FILE, 6, 120_345, basis=basis),
        IndexItem("omnibus/hsc-11361.9-omnibus-order.pdf", "[Proposed] omnibus order", "omnibus_order",
                  FilingRole.FILE, 4, 98_000, basis=basis),
    ]  # fmt: skip
    items += [
        IndexItem(f"omnibus/hsc-11361.9-exhibit-a-part-{part:03d}.pdf", f"Exhibit A, Part {part} of {count}",
                  "exhibit", FilingRole.FILE, 3, size, basis=basis)
        for part in range(1, count + 1)
    ]  # fmt: skip
    return [*items, IndexItem("clerk-import.csv", "Clerk import", "clerk_import", FilingRole.COPY, None, 512)]


def index_of(items: list[IndexItem], limit: int = 35_000_000, **fields: Any) -> FilingIndex:
    values: dict[str, Any] = {
        "court_code": "LA-CCB",
        "court_name": "Superior Court of California, County of Los Angeles",
        "batch_id": "b20261201-0123456789",
        "mode": "omnibus",
        "final": False,
        "signer_line": "",
        "missing": (),
    }
    return build_index(**(values | fields), items=items, envelope_limit=limit)


def render(renderer: Renderer, index: FilingIndex, tmp_path: Path) -> Path:
    path = tmp_path / "00-filing-index.pdf"
    path.write_bytes(renderer.convert(renderer.filing_index(index), OutputFormat.PDF).content)
    return path


def layout_text(path: Path, *pages: int) -> str:
    """Return the text as laid out (a table row on one line), white space collapsed; some pages or all."""
    chosen = ("-f", str(pages[0]), "-l", str(pages[-1])) if pages else ()
    return " ".join(run_tool("pdftotext", "-layout", *chosen, str(path), "-").split())


def test_each_file_is_a_row_in_filing_order_with_its_envelope_pages_size_and_role(
    renderer: Renderer, tmp_path: Path
) -> None:
    path = render(renderer, index_of(exhibit_parts(37), final=True, signer_line=SIGNED), tmp_path)
    text = layout_text(path)
    assert "Filing index" in text and "Superior Court of California, County of Los Angeles (LA-CCB)" in text
    assert "Batch b20261201-0123456789" in text and "Filing mode Omnibus" in text
    # Each row: its title on one line, its entry name under it.
    assert "1 1 People's omnibus motion 6 120.3 kB File omnibus/hsc-11361.9-omnibus-motion.pdf 2 1" in text
    assert "26 1 Exhibit A, Part 24 of 37 3 1.4 MB File omnibus/hsc-11361.9-exhibit-a-part-024.pdf" in text
    assert "27 2 Exhibit A, Part 25 of 37 3 1.4 MB File" in text  # envelope 1 held 35 MB
    assert "40 Clerk import 512 bytes Copy only — do not file clerk-import.csv" in text
    assert "1 Omnibus filing (HSC 11361.9) 26 82 33.8 MB (33,818,345 bytes)" in text
    assert "2 Omnibus filing (HSC 11361.9) 13 39 18.2 MB (18,200,000 bytes)" in text
    assert "All 2 envelope(s) 39 121 52.0 MB" in text
    assert "Copies only (not in any envelope): 1." in text
    assert all(font["emb"] == "yes" and font["uni"] == "yes" for font in pdf_fonts(path))  # searchable


@pytest.mark.parametrize(
    ("fields", "banner", "absent"),
    [
        ({}, "DRAFT — awaiting approval by the signing attorney: do not file", "Ready to file"),
        (
            {"final": True, "signer_line": SIGNED},
            "FINAL — Ready to file: signed by Jane Roe, SBN 123456, on December 1, 2026",
            "DRAFT",
        ),
        (
            {"missing": (("BA123456", "render failed: no font has U+1F600"), ("BA654321", "lease lost"))},
            "INCOMPLETE — 2 case(s) left out: • BA123456: render failed: no font has U+1F600 "
            "• BA654321: lease lost",
            "Ready to file",
        ),
    ],
    ids=["draft", "final", "incomplete"],
)
def test_the_banner_says_whether_the_bundle_may_be_filed(
    renderer: Renderer, tmp_path: Path, fields: dict[str, Any], banner: str, absent: str
) -> None:
    index = index_of(exhibit_parts(2), **fields)
    text = reading_text(render(renderer, index, tmp_path))
    assert banner in text
    assert absent not in text
    # The watermark, on every page but of a final index (rotated: extracted letter by letter).
    assert ("DRAFT: NOT FOR FILING" in renderer.filing_index(index).html) is (not index.final)


def test_the_pdf_is_bookmarked_and_titled_filing_index(renderer: Renderer, tmp_path: Path) -> None:
    reader = PdfReader(render(renderer, index_of(exhibit_parts(2)), tmp_path))
    assert reader.outline[0]["/Title"] == "Filing index"
    assert [entry["/Title"] for entry in reader.outline[1]] == ["Envelopes"]
    assert reader.metadata is not None and reader.metadata.title.startswith("Filing index: Superior Court")


def test_a_long_index_repeats_the_table_heading_on_every_page(renderer: Renderer, tmp_path: Path) -> None:
    path = render(renderer, index_of(exhibit_parts(297, size=100_000)), tmp_path)
    pages = len(PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert pages > 3
    for page in (2, pages - 1):
        text = layout_text(path, page)
        assert text.startswith(HEADING), text[:80]
        assert f"page {page} of {pages}" in text
    assert "300 Clerk import 512 bytes Copy only — do not file" in layout_text(path, pages)


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1_000, "1.0 kB"), (1_234_567, "1.2 MB")],
)
def test_sizes_are_shown_in_the_decimal_units_of_the_e_filing_limits(size: int, shown: str) -> None:
    assert human_size(size) == shown
