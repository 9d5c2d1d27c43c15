"""The output layout: every path and entry name as it is today, parsed back, guarded, and owned once.

The literal paths here are the contract with the clerks' import tools and the stored rows:
a change of layout must be a deliberate change of this file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.bundle import layout
from service.bundle.layout import Area, EntryKind
from service.core.kinds import DocumentKind, ExhibitVariant, OutputFormat
from service.core.models import Basis
from service.errors import UnsafePathError

BATCH, COURT = "b20261130-0123456789", "LA-CCB"
SERVICE = Path(__file__).resolve().parents[3] / "service"


def test_output_paths_are_those_of_today() -> None:
    assert layout.batch_folder(BATCH) == f"batches/{BATCH}"
    assert layout.rejections_path(BATCH) == f"batches/{BATCH}/rejected.txt"
    assert layout.area_folder(BATCH, Area.BUNDLES) == f"batches/{BATCH}/bundles"
    assert [layout.court_folder(BATCH, area, COURT) for area in Area] == [
        f"batches/{BATCH}/documents/LA-CCB",
        f"batches/{BATCH}/omnibus/LA-CCB",
        f"batches/{BATCH}/bundles/LA-CCB",
    ]
    assert layout.omnibus_folder(BATCH, COURT) == f"batches/{BATCH}/omnibus/LA-CCB"
    assert layout.omnibus_file(layout.exhibit_entry(2, "HSC 11361.9")) == "hsc-11361.9-exhibit-a-part-002.pdf"
    assert layout.omnibus_file(layout.omnibus_entry("omnibus_motion", "HSC 11361.9")) == (
        "hsc-11361.9-omnibus-motion.pdf"
    )
    assert layout.omnibus_file(layout.CLERK_IMPORT) == "clerk-import.csv"
    assert layout.bundle_folder(BATCH, COURT) == f"batches/{BATCH}/bundles/LA-CCB"
    assert layout.bundle_name(BATCH, COURT, 1) == f"{BATCH}-LA-CCB-v001.zip"
    assert layout.bundle_path(BATCH, COURT, 12) == f"batches/{BATCH}/bundles/LA-CCB/{BATCH}-LA-CCB-v012.zip"
    assert layout.bundle_path(BATCH, COURT, 1000).endswith("-LA-CCB-v1000.zip")
    assert layout.download_name(BATCH, COURT, 3) == f"courtdocs-{BATCH}-LA-CCB-v003.zip"


@pytest.mark.parametrize(
    ("subject", "kind", "fmt", "expected"),
    [
        ("D-1", DocumentKind.MOTION, OutputFormat.PDF, "D-1/motion.pdf"),
        ("D-1", DocumentKind.MOTION, OutputFormat.DOCX, "D-1/motion.docx"),
        ("d.2_x", DocumentKind.ORDER, OutputFormat.PDF, "d.2_x/order.pdf"),
        ("d.2_x", "order", "docx", "d.2_x/order.docx"),  # as the database hands them back
        ("p-0123abcd", DocumentKind.LETTER, OutputFormat.PDF, "letters/p-0123abcd.pdf"),
        ("p-0123abcd", "letter", "pdf", "letters/p-0123abcd.pdf"),
    ],
)
def test_document_paths_are_those_of_today(subject: str, kind: str, fmt: str, expected: str) -> None:
    path = layout.document_path(BATCH, COURT, subject, kind, fmt)
    assert path == f"batches/{BATCH}/documents/LA-CCB/{expected}"


def test_entry_names_are_those_of_today() -> None:
    assert layout.case_entry("BA123456", "D-1", DocumentKind.MOTION, OutputFormat.PDF) == (
        "cases/BA123456_D-1/motion.pdf"
    )
    assert layout.case_entry("BA1", "d.2", "order", "docx") == "cases/BA1_d.2/order.docx"
    assert layout.letter_entry("p-0123abcd", "pdf") == "letters/p-0123abcd.pdf"
    review, petition = Basis.PROSECUTOR_REVIEW, Basis.PETITION
    assert (
        layout.omnibus_entry(DocumentKind.OMNIBUS_MOTION, review) == "omnibus/hsc-11361.9-omnibus-motion.pdf"
    )
    assert layout.omnibus_entry(DocumentKind.OMNIBUS_ORDER, review) == "omnibus/hsc-11361.9-omnibus-order.pdf"
    assert [layout.exhibit_entry(part, review) for part in (1, 12, 1000)] == [
        "omnibus/hsc-11361.9-exhibit-a-part-001.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-012.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-1000.pdf",
    ]
    # The persons' petitions are answered in a filing of their own, with its own Exhibit A.
    assert layout.omnibus_entry(DocumentKind.OMNIBUS_RESPONSE, petition) == (
        "omnibus/hsc-11361.8-omnibus-response.pdf"
    )
    assert (
        layout.omnibus_entry(DocumentKind.OMNIBUS_ORDER, petition) == "omnibus/hsc-11361.8-omnibus-order.pdf"
    )
    assert layout.exhibit_entry(1, petition) == "omnibus/hsc-11361.8-exhibit-a-part-001.pdf"
    # A sealed exhibit and its public version: the full exhibit's name, saying which they are.
    assert [layout.exhibit_entry(2, review, variant) for variant in ExhibitVariant] == [
        "omnibus/hsc-11361.9-exhibit-a-part-002.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-002-confidential.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-002-public.pdf",
    ]
    assert (layout.CLERK_IMPORT, layout.MANIFEST_JSON, layout.MANIFEST_CSV) == (
        "clerk-import.csv",
        "manifest.json",
        "manifest.csv",
    )
    assert {"manifest.json", "manifest.csv"} == layout.UNLISTED


@pytest.mark.parametrize("version", [0, 1, 9, 10, 99, 100, 999, 1000, 123456])
def test_a_bundle_path_reads_back_as_its_version(version: int) -> None:
    path = layout.bundle_path(BATCH, COURT, version)
    assert layout.bundle_version_of(path, BATCH, COURT) == version
    assert layout.bundle_version_of(Path("/out") / path, BATCH, COURT) == version


@pytest.mark.parametrize(
    "name",
    [
        f"{BATCH}-LA-CCB-v.zip",
        f"{BATCH}-LA-CCB-vx01.zip",
        f"{BATCH}-LA-CCB-v001.zip.tmp",
        f".tmp-{BATCH}-LA-CCB-v001.zip",
        f"{BATCH}-LA-CCB-v001.pdf",
        f"{BATCH}-LA-v001.zip",  # another court's
        "b20261130-9999999999-LA-CCB-v001.zip",  # another batch's
        f"{BATCH}-LA-CCB-v².zip",  # a digit to str.isdigit, not to int
    ],
)
def test_a_file_that_is_not_this_court_batchs_bundle_has_no_version(name: str) -> None:
    assert layout.bundle_version_of(name, BATCH, COURT) is None


UNSAFE = ["..", ".", "", ".hidden", "a/b", "../x", "a..b", "a b", "/abs", "x" * 129, "a\\b", "a\0b"]
BUILDERS: dict[str, Callable[[str], object]] = {
    "batch_folder": lambda bad: layout.batch_folder(bad),
    "rejections_path": lambda bad: layout.rejections_path(bad),
    "court_folder": lambda bad: layout.court_folder(BATCH, Area.DOCUMENTS, bad),
    "document_path batch": lambda bad: layout.document_path(bad, COURT, "D-1", "motion", "pdf"),
    "document_path court": lambda bad: layout.document_path(BATCH, bad, "D-1", "motion", "pdf"),
    "document_path subject": lambda bad: layout.document_path(BATCH, COURT, bad, "motion", "pdf"),
    "document_path letter": lambda bad: layout.document_path(BATCH, COURT, bad, "letter", "pdf"),
    "document_path kind": lambda bad: layout.document_path(BATCH, COURT, "D-1", bad, "pdf"),
    "document_path format": lambda bad: layout.document_path(BATCH, COURT, "D-1", "motion", bad),
    "omnibus_folder": lambda bad: layout.omnibus_folder(BATCH, bad),
    "bundle_folder": lambda bad: layout.bundle_folder(bad, COURT),
    "bundle_path batch": lambda bad: layout.bundle_path(bad, COURT, 1),
    "bundle_path court": lambda bad: layout.bundle_path(BATCH, bad, 1),
    "case_entry case": lambda bad: layout.case_entry(bad, "D-1", "motion", "pdf"),
    "case_entry decision": lambda bad: layout.case_entry("BA1", bad, "motion", "pdf"),
    "case_entry kind": lambda bad: layout.case_entry("BA1", "D-1", bad, "pdf"),
    "letter_entry": lambda bad: layout.letter_entry(bad, "pdf"),
    "letter_entry format": lambda bad: layout.letter_entry("p-1", bad),
    "omnibus_entry": lambda bad: layout.omnibus_entry(bad, "HSC 11361.9"),
    "omnibus_entry basis": lambda bad: layout.omnibus_entry("omnibus_order", bad),
    "exhibit_entry basis": lambda bad: layout.exhibit_entry(1, bad),
}


@pytest.mark.parametrize("builder", BUILDERS)
@pytest.mark.parametrize("bad", UNSAFE)
def test_an_unsafe_component_is_refused(builder: str, bad: str) -> None:
    with pytest.raises(UnsafePathError, match="refusing to use"):
        BUILDERS[builder](bad)


@pytest.mark.parametrize("entry", ["omnibus/..", "omnibus/.hidden", "", "omnibus/a b.pdf"])
def test_a_court_file_is_never_hidden_or_outside_its_folder(entry: str) -> None:
    with pytest.raises(UnsafePathError, match="refusing to use"):
        layout.omnibus_file(entry)


def test_entry_names_read_back_as_what_they_are() -> None:
    case = layout.case_entry("BA1", "D-1", "motion", "pdf")
    letter = layout.letter_entry("p-1", "pdf")
    assert layout.entry_kind(case) is EntryKind.CASE
    assert layout.entry_kind(letter) is EntryKind.LETTER
    court_files = [
        layout.exhibit_entry(1, "HSC 11361.8"),
        layout.omnibus_entry("omnibus_order", "HSC 11361.9"),
        layout.CLERK_IMPORT,
    ]
    assert {layout.entry_kind(name) for name in court_files} == {EntryKind.COURT}
    versions = [layout.exhibit_entry(1, "HSC 11361.8", variant) for variant in ExhibitVariant]
    assert all(layout.is_filing_entry_of(name, "HSC 11361.8") for name in versions)
    assert {layout.entry_kind(name) for name in versions} == {EntryKind.COURT}
    assert len({layout.omnibus_file(name) for name in versions}) == 3  # three files in the omnibus folder
    assert layout.is_filing_entry_of(court_files[0], "HSC 11361.8")
    assert not layout.is_filing_entry_of(court_files[0], "HSC 11361.9")
    assert layout.is_filing_entry_of(court_files[1], "HSC 11361.9")
    assert not any(layout.is_filing_entry_of(layout.CLERK_IMPORT, basis) for basis in Basis)
    for other in [layout.MANIFEST_JSON, layout.MANIFEST_CSV, "x.pdf", "documents/a.pdf", "casesx/a"]:
        assert layout.entry_kind(other) is None

    assert layout.is_case_entry_of(case, "BA1", "D-1")
    assert not layout.is_case_entry_of(case, "BA2", "D-1")
    assert not layout.is_case_entry_of(case, "BA1", "D-")
    assert layout.is_letter_entry_of(letter, "p-1", "pdf")
    assert not layout.is_letter_entry_of(letter, "p-1", "docx")
    assert not layout.is_letter_entry_of(letter, "p-2", "pdf")
    assert layout.letter_subject(letter) == "p-1"
    assert layout.letter_subject("letters/p-1") == "p-1"


def test_the_parse_side_never_raises_on_what_a_broken_bundle_may_hold() -> None:
    for name in ["../../etc/passwd", "cases/../x", "letters/.hidden", "", "cases/", "letters/"]:
        layout.entry_kind(name)
        layout.is_case_entry_of(name, "..", "/")
        layout.is_letter_entry_of(name, "..", "")
        layout.letter_subject(name)
        assert layout.bundle_version_of(name, "..", "/") is None


# -- one owner -----------------------------------------------------------------------------

# Names of the output tree and of bundle entries: outside layout.py they are a second owner.
OWNED = ("batches/", "documents/", "omnibus/", "bundles/", "cases/", "letters/")
OWNED += ("exhibit-a-part", "rejected.txt", "manifest.json", "manifest.csv", "clerk-import.csv", ".zip")
FOLDERS = {"batches", "documents", "omnibus", "bundles", "cases", "letters", "rejected.txt"}
LISTED_FOLDERS = {"omnibus", "bundles", "cases", "letters"}  # "batches" and "documents" name modules too


def owned_names(source: str) -> Iterator[tuple[int, str]]:
    """Yield (line, text) of each string in source that builds an output path or an entry name.

    A string (an f-string read with {} for its values) that holds an owned name counts, unless it
    starts with "/" (a URL route, such as /api/v1/batches/{}) or is a docstring; so does a folder
    name joined with `/` to a path (`output_dir / "batches"`) or listed among path parts.
    """
    tree = ast.parse(source)
    skip = _docstrings(tree) | {
        id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for value in node.values
    }
    for node in ast.walk(tree):
        text = None if id(node) in skip else _text(node)
        if text is not None and not text.startswith("/") and any(name in text for name in OWNED):
            yield node.lineno, text
        for part in _path_parts(node):
            yield node.lineno, repr(part)


def _docstrings(tree: ast.AST) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _path_parts(node: ast.AST) -> list[str]:
    """Return the folder names a `/` joins or a list of path parts holds."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        parts, names = [node.left, node.right], FOLDERS
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        parts, names = node.elts, LISTED_FOLDERS
    else:
        return []
    return [part.value for part in parts if isinstance(part, ast.Constant) and part.value in names]


def test_the_check_finds_paths_built_by_hand() -> None:
    source = '''
"""Docstrings may say batches/<batch>/rejected.txt."""
url = f"/api/v1/batches/{batch_id}/bundles/{court}"
route = "/batches/{batch_id}/bundles/{court_code}/manifest"
a = output_dir / "batches" / safe_part(batch_id)
b = f"letters/{doc.subject}.{doc.format}"
c = f"{folder}/cases/{numbers}_{decision}"
d = f"{batch_id}-{court_code}-v{version:03d}.zip"
e = archive.read("manifest.json")
f = f"omnibus/exhibit-a-part-{part:03d}.pdf"
g = "batches/" + batch_id
h = "/".join(["batches", *parts, "letters", name])
for area in ("documents", "omnibus", "bundles"): pass
__all__ = ["batches", "documents"]
'''
    assert {line for line, _ in owned_names(source)} == {5, 6, 7, 8, 9, 10, 11, 12, 13}


def test_only_the_layout_builds_output_paths_and_entry_names() -> None:
    owner = SERVICE / "bundle" / "layout.py"
    found = [
        f"{path.relative_to(SERVICE.parent)}:{line}: {text!r}"
        for path in sorted(SERVICE.rglob("*.py"))
        if path != owner
        for line, text in owned_names(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "build these with service.bundle.layout:\n" + "\n".join(found)


def test_the_layout_builds_names_from_identifiers_only() -> None:
    """No I/O: the module imports nothing that could reach the disk, a database or a network."""
    imports = {
        alias.name if isinstance(node, ast.Import) else str(node.module)
        for node in ast.walk(ast.parse((SERVICE / "bundle" / "layout.py").read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imports <= {"__future__", "re", "enum", "pathlib", "service.core.files", "service.core.kinds"}
