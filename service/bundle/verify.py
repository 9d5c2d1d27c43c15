"""Check a bundle against its manifest: every entry re-hashed, nothing missing, nothing extra (pure core)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import ijson

from service.bundle.layout import FILING_INDEX_PDF, MANIFEST_JSON, UNLISTED
from service.bundle.manifest import digest_of, read_chunks
from service.bundle.ziparchive import ZipEntry, entry_data, walk
from service.errors import UnexpectedLayoutError

READ_ERRORS = (OSError, ValueError, KeyError, TypeError, ijson.JSONError)


def verify_bundle(path: Path) -> list[str]:
    """Re-hash every entry against the manifest; return every problem found (none: the bundle is sound).

    A bundle laid out as write_bundle lays it out (stored entries, listed in the manifest in their
    order) is checked in one pass, holding about 100 bytes per entry (to catch a repeated name).
    Any other, and any fault at all, is checked by name with zipfile, which holds about 600 bytes
    per entry but names every problem exactly.
    """
    try:
        return _verify_in_order(path)
    except (UnexpectedLayoutError, _OutOfOrder):
        return _verify_by_name(path)
    except READ_ERRORS as error:
        return [f"cannot read the bundle: {error}"]


class _OutOfOrder(Exception):
    """The manifest does not list the archive's entries in their order, or a name may repeat."""


def _verify_in_order(path: Path) -> list[str]:
    """Walk the directory and the manifest's file list in step, re-hashing each entry."""
    with path.open("rb") as directory, path.open("rb") as data, path.open("rb") as manifest:
        manifest_entry = _manifest_entry(directory)
        index = _IndexCheck(_Reader(entry_data(manifest, manifest_entry)))
        items = ijson.items(_Reader(entry_data(manifest, manifest_entry)), "files.item")
        problems: list[str] = []
        seen: set[bytes] = set()
        for entry in walk(directory):
            _note_name(seen, entry.name)
            chunks = entry_data(data, entry)  # checks the CRC-32 too
            if entry.name in UNLISTED:
                digest_of(chunks)
                continue
            item = next(items, None)
            if item is None or item["path"] != entry.name:
                raise _OutOfOrder
            actual = digest_of(chunks)
            problems.extend(_compare(entry.name, actual, item))
            problems.extend(index.compare(item, actual[1]))
        if next(items, None) is not None:
            raise _OutOfOrder
        return problems + index.finish()


def _manifest_entry(directory: BinaryIO) -> ZipEntry:
    found = [entry for entry in walk(directory) if entry.name == MANIFEST_JSON]
    if len(found) != 1:
        raise _OutOfOrder  # missing or twice: _verify_by_name says which
    return found[0]


def _note_name(seen: set[bytes], name: str) -> None:
    """Remember a name by an 8-byte digest; a repeat (or a one-in-10^9 collision) goes by name."""
    key = hashlib.blake2b(name.encode(), digest_size=8).digest()
    if key in seen:
        raise _OutOfOrder
    seen.add(key)


def _verify_by_name(path: Path) -> list[str]:
    """Check any ZIP by entry name with zipfile."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if MANIFEST_JSON not in names:
                return [f"{MANIFEST_JSON} is missing"]
            listed: set[str] = set()
            with archive.open(MANIFEST_JSON) as manifest:
                index = _IndexCheck(manifest)
            with archive.open(MANIFEST_JSON) as manifest:
                for item in ijson.items(manifest, "files.item"):
                    name = item["path"]
                    listed.add(name)
                    try:
                        entry = archive.open(name)
                    except KeyError:
                        problems.append(f"{name}: in the manifest but missing from the bundle")
                        continue
                    with entry:
                        actual = digest_of(read_chunks(entry))
                        problems.extend(_compare(name, actual, item))
                        problems.extend(index.compare(item, actual[1]))
            problems.extend(index.finish())
            unlisted = dict.fromkeys(name for name in names if name not in listed and name not in UNLISTED)
            problems.extend(f"{name}: in the bundle but not in the manifest" for name in unlisted)
            if len(set(names)) != len(names):
                problems.append("the bundle holds the same entry name twice")
    except (zipfile.BadZipFile, *READ_ERRORS) as error:
        problems.append(f"cannot read the bundle: {error}")
    return problems


def _compare(name: str, actual: tuple[str, int], item: dict[str, Any]) -> list[str]:
    sha256, size = actual
    problems = []
    if sha256 != item["sha256"]:
        problems.append(f"{name}: SHA-256 does not match the manifest")
    if size != item["bytes"]:
        problems.append(f"{name}: size {size} does not match the manifest's {item['bytes']}")
    return problems


class _IndexCheck:
    """The manifest's filing index, held to the bundle: each item it lists is an entry of its size.

    The index is read from the manifest's head (it comes before "files", so reading stops there);
    then each listed entry is compared as verification reaches it. A bundle without one passes.
    """

    def __init__(self, manifest: IO[bytes] | io.RawIOBase) -> None:
        index = _filing_index(manifest)
        self._items: dict[str, Any] | None = None
        if index is not None:
            self._items = {item["name"]: item for item in index["items"]}
        self._entries = 0
        self._index_at: int | None = None  # where the index PDF is among the listed entries

    def compare(self, row: dict[str, Any], size: int) -> list[str]:
        """Return how a listed entry, of `size` bytes in the bundle, differs from the index's item."""
        if self._items is None:
            return []
        self._entries += 1
        name = row["path"]
        if name == FILING_INDEX_PDF:
            self._index_at = self._entries
        item = self._items.pop(name, None)
        if item is None:
            return []
        problems = []
        if item["bytes"] != size:
            problems.append(f"{name}: the filing index says {item['bytes']} bytes, the bundle holds {size}")
        if item["pages"] != (pages := row.get("pages")):
            problems.append(f"{name}: the filing index says {item['pages']} pages, the manifest {pages}")
        return problems

    def finish(self) -> list[str]:
        """Return what the index lists that the bundle lacks, and whether the index PDF comes first."""
        if self._items is None:
            return []
        problems = [f"{name}: in the filing index but not in the bundle" for name in self._items]
        if self._index_at is None:
            problems.append(f"{FILING_INDEX_PDF}: the manifest has a filing index but the bundle not its PDF")
        elif self._index_at != 1:
            problems.append(f"{FILING_INDEX_PDF}: not the bundle's first entry")
        return problems


def _filing_index(manifest: IO[bytes] | io.RawIOBase) -> dict[str, Any] | None:
    """Return the manifest's "filing_index", reading no further than the start of "files"."""
    events = ijson.parse(manifest)
    for prefix, event, value in events:
        if (prefix, event) != ("", "map_key") or value not in ("filing_index", "files"):
            continue
        if value == "files":
            return None
        builder, depth = ijson.ObjectBuilder(), 0
        for _, inner, inner_value in events:
            builder.event(inner, inner_value)
            depth += {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}.get(inner, 0)
            if depth == 0:
                found = builder.value
                return found if isinstance(found, dict) else None
    return None


class _Reader(io.RawIOBase):
    """A readable stream over chunks (ijson reads the manifest entry through it)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, b"")
            if not chunk:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
