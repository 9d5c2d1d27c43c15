"""A stored (uncompressed) ZIP written and read back one entry at a time (pure core).

Kept instead of the standard library's zipfile, for a measured reason (docs/performance.md, the
last row of "What each change bought"): zipfile keeps a ZipInfo for every entry, about 500 bytes
while it writes an archive and about 560 while it reads one, and a bundle for Los Angeles in one
court has about 300,000 entries. This writer spools its central directory to an unlinked
temporary file, and `walk` reads the directory record by record, so neither grows with the number
of entries: at ~8,000 files writing peaked at 2.0 MiB instead of 5.2 and verifying at 3.1 MiB
instead of 5.4. The layout is zipfile's own (same headers, ZIP64 where zipfile would use it, Unix
permissions, fixed 1980 times), and the tests read every archive back with zipfile and `unzip -t`.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple

from service.errors import BundleLimitError, UnexpectedLayoutError

LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir
END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
END64 = struct.Struct("<4sQ2H2L4Q")  # zipfile.structEndArchive64
LOCATOR64 = struct.Struct("<4sLQL")  # zipfile.structEndArchive64Locator
LOCAL_SIGNATURE, CENTRAL_SIGNATURE = b"PK\x03\x04", b"PK\x01\x02"
END_SIGNATURE, END64_SIGNATURE, LOCATOR64_SIGNATURE = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
ZIP64_EXTRA = 0x0001
ZIP64_LIMIT = (1 << 31) - 1  # zipfile's: beyond it, sizes and offsets go in the ZIP64 extra field
FILECOUNT_LIMIT = (1 << 16) - 1
NO_VALUE32, NO_VALUE16 = 0xFFFFFFFF, 0xFFFF
VERSION, VERSION64 = 20, 45
UNIX = 3
DOS_DATE, DOS_TIME = (1 << 5) | 1, 0  # 1980-01-01 00:00: the same files give the same ZIP
UTF8_NAME = 0x800
STORED = 0
COPY_BUFFER = 1024 * 1024  # bytes read or copied at a time


@dataclass(frozen=True)
class ZipEntry:
    """What the central directory says of one entry."""

    name: str
    offset: int  # of its local header
    size: int
    crc: int
    method: int


class StoredZipWriter:
    """Write entries into a seekable stream; `finish` appends the spooled central directory."""

    def __init__(self, target: BinaryIO, spool_dir: Path, mode: int = 0o600) -> None:
        self._out = target
        self._central: IO[bytes] = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115  # closed in finish
        self._external = mode << 16
        self.entries = 0

    def __enter__(self) -> StoredZipWriter:
        return self

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        try:
            if exc_type is None:
                self.finish()
        finally:
            self._central.close()

    def add(self, name: str, chunks: Iterable[bytes], *, large: bool = False) -> int:
        """Write an entry from its data and return its size; `large`: it may pass 2 GiB."""
        encoded, flags = _encode(name)
        offset = self._out.tell()
        version = VERSION64 if large else VERSION
        extra = struct.pack("<2H2Q", ZIP64_EXTRA, 16, 0, 0) if large else b""
        header = LOCAL.pack(
            LOCAL_SIGNATURE, version, 0, flags, STORED, DOS_TIME, DOS_DATE, 0, 0, 0, len(encoded), len(extra)
        )  # CRC and sizes are written once the data is
        self._out.write(header + encoded + extra)
        crc, size = 0, 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            self._out.write(chunk)
        if size > ZIP64_LIMIT and not large:
            raise BundleLimitError(f"{name} passed 2 GiB in a ZIP entry written without ZIP64 sizes")
        self._patch_local(offset, len(encoded), crc, size, large)
        self._central.write(self._central_record(encoded, flags, offset, crc, size, large))
        self.entries += 1
        return size

    def _patch_local(self, offset: int, name_length: int, crc: int, size: int, large: bool) -> None:
        end = self._out.tell()
        self._out.seek(offset + 14)
        if large:
            self._out.write(struct.pack("<3L", crc, NO_VALUE32, NO_VALUE32))
            self._out.seek(offset + LOCAL.size + name_length + 4)
            self._out.write(struct.pack("<2Q", size, size))
        else:
            self._out.write(struct.pack("<3L", crc, size, size))
        self._out.seek(end)

    def _central_record(
        self, encoded: bytes, flags: int, offset: int, crc: int, size: int, large: bool
    ) -> bytes:
        """The entry's central directory record: ZIP64 fields only for the values that need them."""
        fields64 = [size, size] if size > ZIP64_LIMIT else []
        sizes = (NO_VALUE32, NO_VALUE32) if fields64 else (size, size)
        if offset > ZIP64_LIMIT:
            fields64.append(offset)
        extra = (
            struct.pack(f"<2H{len(fields64)}Q", ZIP64_EXTRA, 8 * len(fields64), *fields64)
            if fields64
            else b""
        )
        version = VERSION64 if fields64 or large else VERSION
        record = CENTRAL.pack(
            CENTRAL_SIGNATURE, version, UNIX, version, 0, flags, STORED, DOS_TIME, DOS_DATE, crc,
            *sizes, len(encoded), len(extra), 0, 0, 0, self._external,
            NO_VALUE32 if offset > ZIP64_LIMIT else offset,
        )  # fmt: skip
        return record + encoded + extra

    def finish(self) -> None:
        """Append the central directory and the end records (and delete the spooled directory)."""
        directory_offset = self._out.tell()
        self._central.seek(0)
        shutil.copyfileobj(self._central, self._out, COPY_BUFFER)
        self._central.close()
        directory_size = self._out.tell() - directory_offset
        count = self.entries
        if count > FILECOUNT_LIMIT or directory_offset > ZIP64_LIMIT or directory_size > ZIP64_LIMIT:
            end64 = self._out.tell()
            self._out.write(
                END64.pack(
                    END64_SIGNATURE,
                    END64.size - 12,
                    VERSION64,
                    VERSION64,
                    0,
                    0,
                    count,
                    count,
                    directory_size,
                    directory_offset,
                )
            )
            self._out.write(LOCATOR64.pack(LOCATOR64_SIGNATURE, 0, end64, 1))
            count = min(count, NO_VALUE16)
            directory_size = min(directory_size, NO_VALUE32)
            directory_offset = min(directory_offset, NO_VALUE32)
        self._out.write(END.pack(END_SIGNATURE, 0, 0, count, count, directory_size, directory_offset, 0))


class _Central(NamedTuple):
    """A central directory record's fixed part, in CENTRAL's order."""

    signature: bytes
    create_version: int
    create_system: int
    extract_version: int
    reserved: int
    flags: int
    method: int
    time: int
    date: int
    crc: int
    compressed_size: int
    size: int
    name_length: int
    extra_length: int
    comment_length: int
    disk: int
    internal_attr: int
    external_attr: int
    header_offset: int


class _Local(NamedTuple):
    """A local header's fixed part, in LOCAL's order."""

    signature: bytes
    extract_version: int
    reserved: int
    flags: int
    method: int
    time: int
    date: int
    crc: int
    compressed_size: int
    size: int
    name_length: int
    extra_length: int


def walk(stream: BinaryIO) -> Iterator[ZipEntry]:
    """Yield the archive's entries from its central directory, one record at a time.

    Raises UnexpectedLayoutError for anything it does not read: an archive comment, several disks, a
    broken or truncated record.
    """
    try:
        count, offset = _directory(stream)
        stream.seek(offset)
        for _ in range(count):
            record = _Central._make(CENTRAL.unpack(_read(stream, CENTRAL.size)))
            if record.signature != CENTRAL_SIGNATURE:
                raise UnexpectedLayoutError("broken central directory record")
            raw_name = _read(stream, record.name_length)
            extra = _read(stream, record.extra_length)
            stream.seek(record.comment_length, 1)
            size, offset64 = _zip64_values(extra, record)
            name = raw_name.decode("utf-8" if record.flags & UTF8_NAME else "cp437")
            yield ZipEntry(name, offset64, size, record.crc, record.method)
    except (struct.error, IndexError, OverflowError, ValueError) as error:
        raise UnexpectedLayoutError(f"unreadable central directory: {error}") from error


def entry_data(stream: BinaryIO, entry: ZipEntry) -> Iterator[bytes]:
    """Yield a stored entry's data in chunks; UnexpectedLayoutError if it is not what the directory says.

    The local header must carry the entry's name and the data its CRC-32.
    """
    if entry.method != STORED:
        raise UnexpectedLayoutError(f"{entry.name} is compressed")
    try:
        stream.seek(entry.offset)
        header = _Local._make(LOCAL.unpack(_read(stream, LOCAL.size)))
        name = _read(stream, header.name_length)
    except (struct.error, OverflowError, ValueError) as error:
        raise UnexpectedLayoutError(f"{entry.name}: unreadable local header") from error
    if header.signature != LOCAL_SIGNATURE or name != _encode(entry.name)[0]:
        raise UnexpectedLayoutError(f"{entry.name}: the local header is not the directory's")
    if header.crc != entry.crc or header.size not in (entry.size, NO_VALUE32):
        raise UnexpectedLayoutError(f"{entry.name}: the local header's CRC or size is not the directory's")
    stream.seek(header.extra_length, 1)
    remaining, crc = entry.size, 0
    while remaining:
        chunk = stream.read(min(remaining, COPY_BUFFER))
        if not chunk:
            raise UnexpectedLayoutError(f"{entry.name} is cut short")
        remaining -= len(chunk)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if crc != entry.crc:
        raise UnexpectedLayoutError(f"{entry.name}: bad CRC-32")


def _directory(stream: BinaryIO) -> tuple[int, int]:
    """Return the number of entries and the offset of the central directory."""
    stream.seek(0, 2)
    length = stream.tell()
    if length < END.size:
        raise UnexpectedLayoutError("too short for a ZIP")
    stream.seek(length - END.size)
    signature, disk, _, _, count, _, offset, comment_length = END.unpack(_read(stream, END.size))
    if signature != END_SIGNATURE or comment_length or disk:
        raise UnexpectedLayoutError("an archive comment or several disks")
    if length >= END.size + LOCATOR64.size:
        stream.seek(length - END.size - LOCATOR64.size)
        locator = LOCATOR64.unpack(_read(stream, LOCATOR64.size))
        if locator[0] == LOCATOR64_SIGNATURE:
            stream.seek(locator[2])
            end64 = END64.unpack(_read(stream, END64.size))
            if end64[0] != END64_SIGNATURE:
                raise UnexpectedLayoutError("broken ZIP64 end record")
            count, offset = end64[7], end64[9]
    return count, offset


def _zip64_values(extra: bytes, record: _Central) -> tuple[int, int]:
    """Return the entry's size and header offset, from the ZIP64 extra field where they overflowed."""
    size, offset = record.size, record.header_offset
    overflowed = NO_VALUE32 in (record.size, record.compressed_size, record.header_offset)
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, position)
        if tag == ZIP64_EXTRA:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, position + 4))
            if record.size == NO_VALUE32:
                size = values.pop(0)
            if record.compressed_size == NO_VALUE32:
                values.pop(0)
            if record.header_offset == NO_VALUE32:
                offset = values.pop(0)
            overflowed = False
        position += 4 + length
    if overflowed:
        raise UnexpectedLayoutError("a size or offset says 'see ZIP64' but the record has no ZIP64 field")
    return size, offset


def _read(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise UnexpectedLayoutError("the archive ends early")
    return data


def _encode(name: str) -> tuple[bytes, int]:
    """Encode a name as zipfile does: ASCII as is, anything else as UTF-8 with the flag that says so."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), UTF8_NAME
