"""The filing index: filing order kept, envelopes packed under the limit, first in the bundle, verified."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.bundle.filing_index import (
    FilingIndex,
    FilingRole,
    IndexItem,
    build_index,
    index_item,
    signer_line,
)
from service.bundle.layout import FILING_INDEX_PDF, MANIFEST_CSV, MANIFEST_JSON
from service.bundle.manifest import BundleFile, Entries, write_bundle
from service.bundle.verify import verify_bundle
from service.core.filing import FilingMode, Signer
from service.core.filing_index import IndexStatus
from service.errors import BundleLimitError
from tests.unit.bundle.test_bundle import bundle_file, manifest_of, rewrite

BASIS = "HSC 11361.9"


def item(name: str, size: int, role: FilingRole = FilingRole.FILE, **fields: Any) -> IndexItem:
    fields.setdefault("basis", BASIS)
    pages = None if role is FilingRole.COPY else 2
    return IndexItem(name, name.upper(), "exhibit", role, pages, size, **fields)


def index_of(items: list[IndexItem], limit: int = 100, **fields: Any) -> FilingIndex:
    values: dict[str, Any] = {
        "court_code": "LA-CCB",
        "court_name": "Superior Court of California, County of Los Angeles",
        "batch_id": "b1",
        "mode": FilingMode.OMNIBUS,
        "final": False,
        "signer_line": "",
        "missing": (),
    }
    return build_index(**(values | fields), items=items, envelope_limit=limit)


def envelopes(index: FilingIndex) -> list[int | None]:
    return [entry.envelope for entry in index.items]


def test_items_keep_their_order_and_fill_an_envelope_up_to_the_limit_exactly() -> None:
    index = index_of([item("a", 60), item("b", 40), item("c", 1), item("d", 100)])
    assert [entry.name for entry in index.items] == ["a", "b", "c", "d"]
    assert envelopes(index) == [1, 1, 2, 3]  # 60 + 40 is the limit: in; c would pass it
    assert [(e.number, e.documents, e.pages, e.bytes) for e in index.envelopes] == [
        (1, 2, 4, 100),
        (2, 1, 2, 1),
        (3, 1, 2, 100),
    ]


def test_copies_go_in_no_envelope_and_do_not_count_against_it() -> None:
    items = [item("motion.pdf", 70), item("motion.docx", 90, FilingRole.COPY), item("order.pdf", 30)]
    index = index_of([*items, item("clerk-import.csv", 500, FilingRole.COPY)])
    assert envelopes(index) == [1, None, 1, None]
    assert [(e.documents, e.bytes) for e in index.envelopes] == [(2, 100)]


def test_a_lodged_confidential_exhibit_goes_in_the_envelope_of_its_filing() -> None:
    index = index_of([item("motion.pdf", 10), item("exhibit-confidential.pdf", 10, FilingRole.LODGE)])
    assert envelopes(index) == [1, 1]


def test_each_case_and_each_basis_is_a_filing_of_its_own_envelope() -> None:
    items = [
        item("BA1/motion.pdf", 1, case_number="BA1"),
        item("BA1/order.pdf", 1, case_number="BA1"),
        item("BA2/motion.pdf", 1, case_number="BA2"),
        item("BA2/response.pdf", 1, case_number="BA2", basis="HSC 11361.8"),
    ]
    index = index_of(items, mode="per-case")
    assert envelopes(index) == [1, 1, 2, 3]
    assert [(e.case_number, e.basis) for e in index.envelopes] == [
        ("BA1", BASIS),
        ("BA2", BASIS),
        ("BA2", "HSC 11361.8"),
    ]
    assert index.mode is FilingMode.PER_CASE


def test_a_document_alone_over_the_envelope_limit_is_refused_by_name() -> None:
    with pytest.raises(BundleLimitError, match=r"omnibus/big\.pdf has 101 bytes: alone over"):
        index_of([item("small.pdf", 1), item("omnibus/big.pdf", 101)])
    assert envelopes(index_of([item("huge.docx", 10**9, FilingRole.COPY)])) == [None]  # never filed


@pytest.mark.parametrize(
    "items",
    [[item(FILING_INDEX_PDF, 1)], [item("a.pdf", 1), item("a.pdf", 2)]],
    ids=["itself", "twice"],
)
def test_the_index_lists_neither_itself_nor_a_name_twice(items: list[IndexItem]) -> None:
    with pytest.raises(ValueError, match=r"itself|twice"):
        index_of(items)


def test_left_out_cases_make_it_incomplete_whatever_the_signature() -> None:
    signed = {"final": True, "signer_line": "Signed by Jane Roe, SBN 123456, on December 1, 2026"}
    assert index_of([], **signed).status is IndexStatus.FINAL
    assert index_of([]).status is IndexStatus.DRAFT
    missing = (("BA123456", "render failed"),)
    assert index_of([], missing=missing, **signed).status is IndexStatus.INCOMPLETE
    with pytest.raises(ValueError, match="who signed"):
        index_of([], final=True)


def test_the_manifest_form_is_json_and_reads_back_to_the_same_index() -> None:
    items = [item("a.pdf", 60, case_number="BA1"), item("a.docx", 9, FilingRole.COPY), item("b.pdf", 50)]
    index = index_of(items, missing=(("BA2", "failed: no font has ☃"),))
    written = json.loads(json.dumps(index.as_dict()))
    assert written["status"] == "incomplete" and written["items"][1]["envelope"] is None
    assert FilingIndex.from_dict(written) == index


def test_an_index_item_of_a_bundle_file_is_filed_if_a_pdf_and_a_copy_otherwise(tmp_path: Path) -> None:
    pdf = bundle_file(tmp_path, "cases/BA1_d-1/motion.pdf", b"%PDF", case_number="BA1")
    docx = BundleFile("cases/BA1_d-1/motion.docx", pdf.source, "motion", "docx", pdf.sha256, 4)
    assert index_item(pdf, "Motion") == IndexItem(
        "cases/BA1_d-1/motion.pdf", "Motion", "motion", FilingRole.FILE, 2, 4, "BA1"
    )
    assert index_item(docx, "Motion (DOCX)").role is FilingRole.COPY
    assert index_item(pdf, "Sealed", FilingRole.LODGE, BASIS).role is FilingRole.LODGE


def test_the_signer_line_names_the_attorney_bar_number_and_day() -> None:
    signer = Signer(
        name="Jane Roe", title="Deputy District Attorney", bar_number="123456", approved_on=date(2026, 12, 1)
    )
    assert signer_line(signer) == "Signed by Jane Roe, SBN 123456, on December 1, 2026"
    assert signer_line(None) == ""


# -- in the bundle ------------------------------------------------------------------------


def bundle_with_index(tmp_path: Path) -> tuple[Path, list[BundleFile]]:
    """Write a bundle whose index, listed last, lists the other files; return it and its files."""
    files = [
        bundle_file(tmp_path, "omnibus/hsc-11361.9-omnibus-motion.pdf", b"%PDF motion"),
        bundle_file(tmp_path, "clerk-import.csv", b"case_number\r\n", kind="clerk_import"),
    ]
    index = index_of([index_item(files[0], "Motion"), index_item(files[1], "Clerk import")], limit=1000)
    pdf = bundle_file(tmp_path, FILING_INDEX_PDF, b"%PDF index", kind="filing_index")
    target = tmp_path / "bundle.zip"
    with Entries(tmp_path) as entries:
        for listed in files:
            entries.add(listed)
        assert [listed.path for listed in entries.files()] == [f.path for f in files]  # built from them
        entries.add_first(pdf)
        manifest = manifest_of(entries)
        manifest.filing_index = index.as_dict()
        write_bundle(target, manifest)
    return target, [pdf, *files]


def test_the_index_is_the_first_entry_of_the_zip_and_the_manifest_though_listed_last(
    tmp_path: Path,
) -> None:
    target, files = bundle_with_index(tmp_path)
    names = [listed.path for listed in files]
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == [*names, MANIFEST_JSON, MANIFEST_CSV]
        manifest = json.loads(archive.read(MANIFEST_JSON))
    assert [row["path"] for row in manifest["files"]] == names
    assert manifest["counts"]["filing_index.pdf"] == 1
    assert [row["name"] for row in manifest["filing_index"]["items"]] == names[1:]
    assert verify_bundle(target) == []


def test_a_bundle_has_one_first_entry(tmp_path: Path) -> None:
    pdf = bundle_file(tmp_path, FILING_INDEX_PDF, b"%PDF index")
    with Entries(tmp_path) as entries:
        entries.add_first(pdf)
        with pytest.raises(RuntimeError, match="one first entry"):
            entries.add_first(pdf)


def with_index(manifest: bytes, change: Any) -> bytes:
    document = json.loads(manifest)
    change(document["filing_index"])
    return json.dumps(document, indent=2).encode()


@pytest.mark.parametrize("in_order", [True, False], ids=["one pass", "by name"])
def test_verification_names_an_entry_whose_size_or_pages_differ_from_the_index(
    tmp_path: Path, in_order: bool
) -> None:
    sound, files = bundle_with_index(tmp_path)
    motion = files[1].path

    def tamper(index: dict[str, Any]) -> None:
        index["items"][0].update(bytes=99, pages=7)

    with zipfile.ZipFile(sound) as archive:
        manifest = with_index(archive.read(MANIFEST_JSON), tamper)
    broken = tmp_path / "broken.zip"
    rewrite(sound, broken, {MANIFEST_JSON: manifest}, {} if in_order else {"extra.pdf": b"?"})
    problems = [problem for problem in verify_bundle(broken) if not problem.startswith("extra.pdf")]
    assert problems == [
        f"{motion}: the filing index says 99 bytes, the bundle holds 11",
        f"{motion}: the filing index says 7 pages, the manifest 2",
    ]


@pytest.mark.parametrize("in_order", [True, False], ids=["one pass", "by name"])
def test_verification_finds_a_listed_file_gone_and_the_index_pdf_gone(tmp_path: Path, in_order: bool) -> None:
    sound, _ = bundle_with_index(tmp_path)
    with zipfile.ZipFile(sound) as archive:
        manifest = json.loads(archive.read(MANIFEST_JSON))
    manifest["files"] = manifest["files"][1:2]  # no index PDF, no clerk import
    broken = tmp_path / "broken.zip"
    change: dict[str, bytes | None] = {MANIFEST_JSON: json.dumps(manifest).encode()}
    change |= {FILING_INDEX_PDF: None, "clerk-import.csv": None}
    rewrite(sound, broken, change, {} if in_order else {"extra.pdf": b"?"})
    problems = [problem for problem in verify_bundle(broken) if not problem.startswith("extra.pdf")]
    assert problems == [
        "clerk-import.csv: in the filing index but not in the bundle",
        f"{FILING_INDEX_PDF}: the manifest has a filing index but the bundle not its PDF",
    ]


def test_verification_finds_the_index_pdf_out_of_first_place(tmp_path: Path) -> None:
    sound, _ = bundle_with_index(tmp_path)
    with zipfile.ZipFile(sound) as archive:
        manifest = json.loads(archive.read(MANIFEST_JSON))
        contents = {name: archive.read(name) for name in archive.namelist()}
    manifest["files"] = [*manifest["files"][1:], manifest["files"][0]]
    contents[MANIFEST_JSON] = json.dumps(manifest).encode()
    moved = tmp_path / "moved.zip"
    with zipfile.ZipFile(moved, "w") as archive:
        for name in [*[row["path"] for row in manifest["files"]], MANIFEST_JSON, MANIFEST_CSV]:
            archive.writestr(name, contents[name])
    assert verify_bundle(moved) == [f"{FILING_INDEX_PDF}: not the bundle's first entry"]
