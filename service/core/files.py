"""Output files: atomic writes, private permissions, and the one place that builds paths."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from service.errors import StorageUnavailableError, UnsafePathError

FILE_MODE = 0o600  # documents hold criminal records: readable by the service's user only
DIR_MODE = 0o700
_SAFE_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")  # never ".", ".." or hidden
TEMP_PREFIX = ".tmp-"


def safe_part(value: str) -> str:
    """Return value if it is safe as one path component, else raise UnsafePathError."""
    if not _SAFE_PART.fullmatch(value) or ".." in value:
        raise UnsafePathError(f"refusing to use {value!r} in a file name")
    return value


def ensure_dir(path: Path) -> Path:
    """Create a private folder (and its parents) if it does not exist yet."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_writer(target: Path) -> Iterator[BinaryIO]:
    """Yield a stream whose content appears at target only once it is complete and synced."""
    ensure_dir(target.parent)
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, FILE_MODE)
        os.replace(temp, target)
        _sync_dir(target.parent)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomic(target: Path, content: bytes) -> None:
    """Write bytes to target atomically: temporary file, fsync, rename."""
    try:
        with atomic_writer(target) as stream:
            stream.write(content)
    except OSError as error:
        raise StorageUnavailableError(f"cannot write {target.name}: {error.strerror or error}") from error


def temp_files(folder: Path) -> list[Path]:
    """Return every temporary file (an unfinished atomic write) under a folder, sorted."""
    return sorted(folder.rglob(f"{TEMP_PREFIX}*")) if folder.is_dir() else []


def remove_temp_files(folder: Path) -> int:
    """Remove the temporary files a killed writer left under a folder; return how many.

    Call it only where no live writer can be: the caller owns the folder's contents.
    """
    found = temp_files(folder)
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)


def _sync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
