"""The bundle core: a spooled file list, a streamed manifest and ZIP, and verification that finds faults."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from service.bundle import verify
from service.bundle.layout import MANIFEST_CSV, MANIFEST_JSON
from service.bundle.manifest import (
    MANIFEST_FIELDS,
    BundleFile,
    Entries,
    Manifest,
    write_bundle,
)
from service.bundle.verify import verify_bundle

FAILURE = {"subject": "d-2", "kind": "order", "format": "docx", "case_number": "BA1", "reason": "x"}


def bundle_file(folder: Path, name: str, content: bytes, **fields: str) -> BundleFile:
    source = folder / name.replace("/", "_")
    source.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    return BundleFile(name, source, fields.pop("kind", "motion"), "pdf", digest, len(content), 2, **fields)


def manifest_of(entries: Entries) -> Manifest:
    return Manifest(
        batch_id="b1",
        court_code="LA-CCB",
        court_name="Superior Court of California, County of Los Angeles",
        courthouse="Clara Shortridge Foltz — Criminal Justice Center",
        created_at="2026-11-21T10:00:00+00:00",
        template_version="t1",
        libraries={"courtdocs": "0.1"},
        entries=entries,
    )


@pytest.fixture
def files(tmp_path: Path) -> list[BundleFile]:
    return [
        bundle_file(tmp_path, "cases/BA1_d-1/motion.pdf", b"%PDF motion", decision_id="d-1", notes="ñ 한"),
        bundle_file(tmp_path, "cases/BA1_d-1/order.pdf", b"%PDF order", kind="order", case_number="BA1"),
        bundle_file(tmp_path, "letters/p-1.pdf", b"%PDF letter", kind="letter", language="zh-Hant"),
    ]


@pytest.mark.parametrize("failures", [[], [FAILURE, dict(FAILURE, subject="d-3")]])
def test_the_streamed_manifest_is_the_json_and_csv_of_the_whole_document(
    tmp_path: Path, files: list[BundleFile], failures: list[dict[str, str]]
) -> None:
    with Entries(tmp_path) as entries:
        for item in files:
            entries.add(item)
        for failure in failures:
            entries.add_failure(failure)
        manifest = manifest_of(entries)
        streamed = "".join(manifest.json_chunks())
        streamed_csv = "".join(manifest.csv_chunks())
    whole = {
        "format": "courtdocs-manifest/v1",
        "batch_id": "b1",
        "court": {"code": "LA-CCB", "name": manifest.court_name, "courthouse": manifest.courthouse},
        "created_at": manifest.created_at,
        "template_version": "t1",
        "libraries": {"courtdocs": "0.1"},
        "counts": {"letter.pdf": 1, "motion.pdf": 1, "order.pdf": 1},
        "files": [item.manifest_row() for item in files],
        "failures": failures,
    }
    assert streamed == json.dumps(whole, indent=2, ensure_ascii=False)
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=MANIFEST_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(item.manifest_row() for item in files)
    assert streamed_csv == table.getvalue()


def test_the_content_digest_follows_names_hashes_and_failures_but_not_build_time(
    tmp_path: Path, files: list[BundleFile]
) -> None:
    def digest(items: list[BundleFile], failures: list[dict[str, str]]) -> str:
        with Entries(tmp_path) as entries:
            for item in items:
                entries.add(item)
            for failure in failures:
                entries.add_failure(failure)
            return entries.content_digest()

    same = digest(files, [])
    assert digest(files, []) == same
    changed = [files[0], bundle_file(tmp_path, files[1].path, b"%PDF other"), files[2]]
    assert digest(changed, []) != same
    assert digest(files, [FAILURE]) != same
    assert digest(files[:2], []) != same


def test_nothing_is_listed_once_the_entries_are_being_read(tmp_path: Path, files: list[BundleFile]) -> None:
    with Entries(tmp_path) as entries:
        entries.add(files[0])
        assert [item.path for item in entries.files()] == [files[0].path]
        with pytest.raises(RuntimeError, match="cannot grow once they are being read"):
            entries.add(files[1])
        assert [item.path for item in entries.files()] == [files[0].path]  # read again, from the start
    assert entries._files.closed and entries._failures.closed  # unlinked from the start: closed is gone


def write(tmp_path: Path, files: list[BundleFile]) -> Path:
    target = tmp_path / "bundle.zip"
    with Entries(tmp_path) as entries:
        for item in files:
            entries.add(item)
        write_bundle(target, manifest_of(entries))
    return target


def test_a_written_bundle_holds_every_file_and_verifies(tmp_path: Path, files: list[BundleFile]) -> None:
    target = write(tmp_path, files)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [item.path for item in files] + [MANIFEST_JSON, MANIFEST_CSV]
        assert archive.read(files[2].path) == b"%PDF letter"
        listed = json.loads(archive.read(MANIFEST_JSON))["files"]
    assert [item["path"] for item in listed] == [item.path for item in files]
    assert verify_bundle(target) == []


def rewrite(source: Path, target: Path, change: dict[str, bytes | None], extra: dict[str, bytes]) -> None:
    """Copy a bundle, replacing (bytes) or dropping (None) entries and adding others."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = change.get(name, old.read(name))
            if content is not None:
                new.writestr(name, content)
        for name, content in extra.items():
            new.writestr(name, content)


def test_verification_names_a_changed_a_missing_and_an_unlisted_entry(
    tmp_path: Path, files: list[BundleFile]
) -> None:
    sound = write(tmp_path, files)
    broken = tmp_path / "broken.zip"
    rewrite(sound, broken, {files[0].path: b"%PDF forged, longer", files[1].path: None}, {"extra.pdf": b"?"})
    problems = verify_bundle(broken)
    assert f"{files[0].path}: SHA-256 does not match the manifest" in problems
    assert any(p.startswith(f"{files[0].path}: size") for p in problems)
    assert f"{files[1].path}: in the manifest but missing from the bundle" in problems
    assert "extra.pdf: in the bundle but not in the manifest" in problems
    assert len(problems) == 4


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [(None, f"{MANIFEST_JSON} is missing"), (b'{"files": [{"path": ', "cannot read the bundle")],
)
def test_verification_reports_a_missing_or_broken_manifest(
    tmp_path: Path, files: list[BundleFile], manifest: bytes | None, expected: str
) -> None:
    broken = tmp_path / "broken.zip"
    rewrite(write(tmp_path, files), broken, {MANIFEST_JSON: manifest}, {})
    assert verify_bundle(broken)[0].startswith(expected)


def test_a_bad_crc_is_found(tmp_path: Path, files: list[BundleFile]) -> None:
    sound = write(tmp_path, files)
    content = bytearray(sound.read_bytes())
    at = content.index(b"%PDF order")
    content[at : at + 10] = b"%PDF ORDER"  # same size, but the SHA-256 and the CRC-32 now differ
    broken = tmp_path / "crc.zip"
    broken.write_bytes(bytes(content))
    (problem,) = verify_bundle(broken)
    assert problem.startswith("cannot read the bundle: Bad CRC-32") and files[1].path in problem


def test_a_bundle_in_manifest_order_is_checked_in_one_pass_without_reading_it_by_name(
    tmp_path: Path, files: list[BundleFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    def by_name(_path: Path) -> list[str]:
        raise AssertionError("checked by name: the one-pass check gave up")

    monkeypatch.setattr(verify, "_verify_by_name", by_name)
    sound = write(tmp_path, files)
    assert verify_bundle(sound) == []
    changed = tmp_path / "changed.zip"
    rewrite(sound, changed, {files[2].path: b"%PDF another letter"}, {})  # same order, new content
    assert verify_bundle(changed) == [
        f"{files[2].path}: SHA-256 does not match the manifest",
        f"{files[2].path}: size 19 does not match the manifest's 11",
    ]


def test_a_repeated_entry_name_is_found_even_when_the_manifest_lists_it_twice_in_order(
    tmp_path: Path, files: list[BundleFile]
) -> None:
    doubled = write(tmp_path, [*files, files[0]])  # manifest and archive agree, entry by entry
    assert verify_bundle(doubled) == ["the bundle holds the same entry name twice"]
