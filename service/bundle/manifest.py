"""Court batch bundles: a spooled file list, the streamed manifest, clerk import and ZIP (pure core)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from service.bundle.layout import MANIFEST_CSV, MANIFEST_JSON
from service.bundle.ziparchive import COPY_BUFFER, ZIP64_LIMIT, StoredZipWriter
from service.core.files import atomic_writer, ensure_dir
from service.core.models import Decision, Relief
from service.errors import ChangedOnDiskError

MANIFEST_ZIP64_FILES = 1_000_000  # files listed beyond which manifest entries get ZIP64 sizes
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


class Entries:
    """A bundle's files and failures, spooled to unlinked temporary files as they are listed.

    A court batch lists four to five files per decision (about 300,000 for Los Angeles in one court);
    a record in memory for each cost about 2 KiB, so nothing here grows with the count but `counts`.
    """

    def __init__(self, folder: Path) -> None:
        ensure_dir(folder)
        # Closed (and so deleted) by __exit__; unlinked from the start, so a crash leaves nothing.
        self._files = _spool(folder)
        self._failures = _spool(folder)
        self.counts: Counter[str] = Counter()  # "kind.format" -> files
        self._files_digest = hashlib.sha256()
        self._failures_digest = hashlib.sha256()
        self._reading = False  # once read, nothing more may be listed (but the first entry)
        self._first: BundleFile | None = None

    def __enter__(self) -> Entries:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._files.close()
        self._failures.close()

    def add(self, item: BundleFile) -> None:
        self._check_listing()
        self._files.write(json.dumps([str(item.source), item.manifest_row()], ensure_ascii=False) + "\n")
        self.counts[f"{item.kind}.{item.format}"] += 1
        self._files_digest.update(f"{item.path}\0{item.sha256}\n".encode())

    def add_first(self, item: BundleFile) -> None:
        """List the file that goes before every other: the filing index, made once the others are listed.

        It may come after the others were read (it is built from them), once, and before the
        manifest and the ZIP are written.
        """
        if self._first is not None:
            raise RuntimeError(f"a bundle has one first entry: {self._first.path} is, not {item.path}")
        self._first = item
        self.counts[f"{item.kind}.{item.format}"] += 1

    def add_failure(self, failure: dict[str, str]) -> None:
        self._check_listing()
        self._failures.write(json.dumps(failure, ensure_ascii=False) + "\n")
        self._failures_digest.update(json.dumps(failure, sort_keys=True).encode() + b"\n")

    def files(self) -> Iterator[BundleFile]:
        self._reading = True
        if self._first is not None:
            yield self._first
        for source, row in _spooled(self._files):
            yield BundleFile(source=Path(source), **row)

    def failures(self) -> Iterator[dict[str, str]]:
        self._reading = True
        yield from _spooled(self._failures)

    def _check_listing(self) -> None:
        if self._reading:
            # A bug in the caller, not a fault of the disk or the data: no error of the tree.
            raise RuntimeError("a bundle's entries cannot grow once they are being read")

    def content_digest(self) -> str:
        """Return a hash of what the bundle holds (names and hashes, in order), not of when it was built."""
        combined = self._files_digest.hexdigest() + self._failures_digest.hexdigest()
        if self._first is not None:  # a bundle without one keeps the digest it always had
            first = f"{self._first.path}\0{self._first.sha256}\n".encode()
            combined = hashlib.sha256(first).hexdigest() + combined
        return hashlib.sha256(combined.encode()).hexdigest()


def _spool(folder: Path) -> IO[str]:
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=folder)


def _spooled(spool: IO[str]) -> Iterator[Any]:
    spool.flush()
    spool.seek(0)
    for line in spool:
        yield json.loads(line)


@dataclass
class Manifest:
    """What a bundle holds: the court batch, how it was built, and every file and failure."""

    batch_id: str
    court_code: str
    court_name: str
    courthouse: str
    created_at: str
    template_version: str
    libraries: dict[str, str]
    entries: Entries
    filing_index: dict[str, Any] | None = None  # FilingIndex.as_dict(); written when there is one

    def json_chunks(self) -> Iterator[str]:
        """Yield manifest.json in pieces: the same text as json.dumps(indent=2) of the whole document."""
        document = {
            "format": "courtdocs-manifest/v1",
            "batch_id": self.batch_id,
            "court": {"code": self.court_code, "name": self.court_name, "courthouse": self.courthouse},
            "created_at": self.created_at,
            "template_version": self.template_version,
            "libraries": self.libraries,
            "counts": dict(sorted(self.entries.counts.items())),
        }
        if self.filing_index is not None:  # before the placeholders: its strings cannot be taken for them
            document["filing_index"] = self.filing_index
        document |= {"files": _FILES, "failures": _FAILURES}
        text = json.dumps(document, indent=2, ensure_ascii=False)
        rest, _, tail = text.rpartition(json.dumps(_FAILURES))  # last: after every header string
        head, _, middle = rest.rpartition(json.dumps(_FILES))
        yield head
        yield from _json_array((item.manifest_row() for item in self.entries.files()), level=1)
        yield middle
        yield from _json_array(self.entries.failures(), level=1)
        yield tail

    def csv_chunks(self) -> Iterator[str]:
        """Yield manifest.csv row by row."""
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=MANIFEST_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for item in self.entries.files():
            writer.writerow(item.manifest_row())
            yield stream.getvalue()
            stream.seek(0)
            stream.truncate()
        yield stream.getvalue()


_FILES = "\0files\0"  # placeholders json_chunks replaces with the streamed arrays
_FAILURES = "\0failures\0"


def _json_array(items: Iterable[Any], level: int) -> Iterator[str]:
    """Yield a JSON array as json.dumps(indent=2) writes it at this nesting level."""
    inner = " " * (2 * (level + 1))
    separator = "[\n"
    for item in items:
        yield separator + inner + json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n" + inner)
        separator = ",\n"
    yield "[]" if separator == "[\n" else "\n" + " " * (2 * level) + "]"


def clerk_import_rows(decisions: Iterable[Decision]) -> Iterator[list[str]]:
    """Yield the clerk's import rows: one per count, so nobody re-keys thousands of them.

    `basis` says which of the court's omnibus orders grants the row (one per basis), and so which
    order's date goes in `order_date`.
    """
    yield [
        "case_number",
        "count",
        "section",
        "level_before",
        "relief",
        "new_status",
        "order_date",
        "decision_id",
        "basis",
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
                decision.basis.value,
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
    """Stream every file into a stored (not deflated) ZIP at target, atomically; return its hash and size.

    Each file is re-hashed while it is copied; a file that changed on disk aborts the bundle.
    """
    # Written to a seekable file, so every entry has its sizes in its local header (no data
    # descriptors, which some clerk tools reject for stored entries).
    with atomic_writer(target) as raw, StoredZipWriter(raw, target.parent) as archive:
        for item in manifest.entries.files():
            _copy_into(archive, item)
        # manifest.json takes about 360 bytes a file: 2 GiB (zipfile's ZIP32 limit) is some 6 million.
        large = sum(manifest.entries.counts.values()) > MANIFEST_ZIP64_FILES
        archive.add(MANIFEST_JSON, _encoded(manifest.json_chunks()), large=large)
        archive.add(MANIFEST_CSV, _encoded(manifest.csv_chunks()), large=large)
    return file_digest(target)


def file_digest(path: Path) -> tuple[str, int]:
    """Return a file's SHA-256 and size (the bytes hashed, read in pieces by hashlib)."""
    with path.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256")
        return digest.hexdigest(), stream.tell()


def _copy_into(archive: StoredZipWriter, item: BundleFile) -> None:
    digest = hashlib.sha256()
    with item.source.open("rb") as source:
        archive.add(item.path, _hashed(source, digest), large=item.bytes * 1.05 > ZIP64_LIMIT)
    if digest.hexdigest() != item.sha256:
        raise ChangedOnDiskError(f"{item.path} changed on disk since it was rendered; bundle not published")


def _hashed(source: BinaryIO, digest: Any) -> Iterator[bytes]:
    for chunk in read_chunks(source):
        digest.update(chunk)
        yield chunk


def read_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """Yield a stream's content a megabyte at a time."""
    while chunk := stream.read(COPY_BUFFER):
        yield chunk


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def digest_of(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Return the SHA-256 and size of what the chunks hold."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


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
