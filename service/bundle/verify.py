"""Check a bundle against its manifest: every entry re-hashed, nothing missing, nothing extra (pure core)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from service.bundle.layout import MANIFEST_JSON, UNLISTED
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
        items = ijson.items(_Reader(entry_data(manifest, _manifest_entry(directory))), "files.item")
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
            problems.extend(_compare(entry.name, digest_of(chunks), item))
        if next(items, None) is not None:
            raise _OutOfOrder
        return problems


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
                for item in ijson.items(manifest, "files.item"):
                    name = item["path"]
                    listed.add(name)
                    try:
                        entry = archive.open(name)
                    except KeyError:
                        problems.append(f"{name}: in the manifest but missing from the bundle")
                        continue
                    with entry:
                        problems.extend(_compare(name, digest_of(read_chunks(entry)), item))
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
