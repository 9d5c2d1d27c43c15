"""Court batch bundles: manifest, clerk import file, a streamed ZIP, and its verification (pure core)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from service.errors import StorageError
from service.files import atomic_writer
from service.models import Decision, Relief

MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
CLERK_IMPORT = "clerk-import.csv"
UNLISTED = {MANIFEST_JSON, MANIFEST_CSV}  # the manifest cannot list its own hash
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same files give the same ZIP
COPY_BUFFER = 1024 * 1024  # bytes copied at a time into the ZIP
MANIFEST_FIELDS = [
    "path",
    "decision_id",
    "case_number",
    "kind",
    "format",
    "language",
    "pages",
    "bytes",
    "sha256",
    "notes",
]
NEW_STATUS = {
    Relief.DISMISS_AND_SEAL: "dismissed and sealed",
    Relief.REDESIGNATE_MISDEMEANOR: "misdemeanor",
    Relief.REDESIGNATE_INFRACTION: "infraction",
    Relief.RESENTENCE: "sentence recalled; to be resentenced",
}


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle: where it is on disk, its name in the ZIP and what the manifest says of it."""

    path: str  # name inside the ZIP
    source: Path
    kind: str
    format: str
    sha256: str
    bytes: int
    pages: int | None = None
    decision_id: str | None = None
    case_number: str | None = None
    language: str | None = None
    notes: str = ""

    def manifest_row(self) -> dict[str, Any]:
        row = asdict(self)
        del row["source"]
        return row


@dataclass
class Manifest:
    batch_id: str
    court_code: str
    court_name: str
    courthouse: str
    created_at: str
    template_version: str
    libraries: dict[str, str]
    files: list[BundleFile] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    def content_digest(self) -> str:
        """Return a hash of what the bundle holds (names and hashes), independent of when it was built."""
        digest = hashlib.sha256()
        for item in sorted(self.files, key=lambda f: f.path):
            digest.update(f"{item.path}\0{item.sha256}\n".encode())
        for failure in sorted(self.failures, key=lambda f: (f["subject"], f["kind"], f["format"])):
            digest.update(json.dumps(failure, sort_keys=True).encode())
        return digest.hexdigest()

    def to_json(self) -> bytes:
        document = {
            "format": "courtdocs-manifest/v1",
            "batch_id": self.batch_id,
            "court": {
                "code": self.court_code,
                "name": self.court_name,
                "courthouse": self.courthouse,
            },
            "created_at": self.created_at,
            "template_version": self.template_version,
            "libraries": self.libraries,
            "counts": dict(sorted(Counter(f"{f.kind}.{f.format}" for f in self.files).items())),
            "files": [item.manifest_row() for item in self.files],
            "failures": self.failures,
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")

    def to_csv(self) -> bytes:
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=MANIFEST_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for item in self.files:
            writer.writerow(item.manifest_row())
        return stream.getvalue().encode("utf-8")


def clerk_import_rows(decisions: Iterable[Decision]) -> Iterator[list[str]]:
    """Yield the clerk's import rows: one per count, so nobody re-keys thousands of them."""
    yield [
        "case_number",
        "count",
        "section",
        "level_before",
        "relief",
        "new_status",
        "order_date",
        "decision_id",
    ]
    for decision in decisions:
        for count in decision.counts:
            yield [
                decision.case.number,
                str(count.count),
                f"{count.code} {count.section}",
                count.level.value,
                count.relief.value,
                NEW_STATUS[count.relief],
                "",
                decision.decision_id,
            ]


def write_csv(target: Path, rows: Iterable[Sequence[str]]) -> tuple[str, int]:
    """Write rows as CSV atomically; return the file's SHA-256 and size."""
    with atomic_writer(target) as raw:
        hashing = _HashingWriter(raw)
        text = io.TextIOWrapper(io.BufferedWriter(hashing), encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerows(rows)
        text.flush()
        text.detach()
    return hashing.hexdigest(), hashing.size


def write_bundle(target: Path, manifest: Manifest) -> tuple[str, int]:
    """Stream every file into a stored (not deflated) ZIP64 at target, atomically; return its hash and size.

    Each file is re-hashed while it is copied; a file that changed on disk aborts the bundle.
    """
    # Written to a seekable file, so every entry has its sizes in its local header (no data
    # descriptors, which some clerk tools reject for stored entries).
    with (
        atomic_writer(target) as raw,
        zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for item in manifest.files:
            _copy_into(archive, item)
        _write_entry(archive, MANIFEST_JSON, manifest.to_json())
        _write_entry(archive, MANIFEST_CSV, manifest.to_csv())
    return file_digest(target)


def file_digest(path: Path) -> tuple[str, int]:
    """Return a file's SHA-256 and size, reading it in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(COPY_BUFFER):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_into(archive: zipfile.ZipFile, item: BundleFile) -> None:
    info = zipfile.ZipInfo(item.path, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    digest = hashlib.sha256()
    with (
        item.source.open("rb") as source,
        archive.open(info, "w", force_zip64=item.bytes > 2**31) as target,
    ):
        while chunk := source.read(COPY_BUFFER):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != item.sha256:
        raise StorageError(f"{item.path} changed on disk since it was rendered; bundle not published")


def _write_entry(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.external_attr = 0o600 << 16
    archive.writestr(info, content, compress_type=zipfile.ZIP_STORED)


def verify_bundle(path: Path) -> list[str]:
    """Re-hash every entry against the manifest; return every problem found (none: the bundle is sound)."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if MANIFEST_JSON not in names:
                return [f"{MANIFEST_JSON} is missing"]
            manifest = json.loads(archive.read(MANIFEST_JSON))
            listed = {item["path"]: item for item in manifest["files"]}
            for name in names:
                if name not in listed and name not in UNLISTED:
                    problems.append(f"{name}: in the bundle but not in the manifest")
            for name, item in listed.items():
                if name not in names:
                    problems.append(f"{name}: in the manifest but missing from the bundle")
                    continue
                problems.extend(_check_entry(archive, name, item))
            if len(names) != len(set(names)):
                problems.append("the bundle holds the same entry name twice")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, TypeError) as error:
        problems.append(f"cannot read the bundle: {error}")
    return problems


def _check_entry(archive: zipfile.ZipFile, name: str, item: dict[str, Any]) -> list[str]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(name) as entry:
        while chunk := entry.read(COPY_BUFFER):
            digest.update(chunk)
            size += len(chunk)
    problems = []
    if digest.hexdigest() != item["sha256"]:
        problems.append(f"{name}: SHA-256 does not match the manifest")
    if size != item["bytes"]:
        problems.append(f"{name}: size {size} does not match the manifest's {item['bytes']}")
    return problems


class _HashingWriter(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to another stream."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.target.write(view)
        self.digest.update(view)
        self.size += len(view)
        return len(view)

    def flush(self) -> None:
        self.target.flush()

    def hexdigest(self) -> str:
        return self.digest.hexdigest()
