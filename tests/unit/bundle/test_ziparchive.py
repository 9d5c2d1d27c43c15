"""The streaming ZIP writer and reader: byte for byte what zipfile writes, read back by zipfile and unzip."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from service.bundle.ziparchive import (
    NO_VALUE32,
    ZIP64_LIMIT,
    StoredZipWriter,
    entry_data,
    walk,
)
from service.errors import BundleLimitError, UnexpectedLayoutError

ENTRIES = {
    "cases/BA123456_d-1/motion.pdf": b"%PDF-1.7 motion" * 1000,
    "letters/p-1.pdf": b"",
    "clerk-import.csv": b"case_number\r\nBA123456\r\n",
    "exhibits/Peña-한국.txt": b"a name that is not ASCII",
}


def ours(entries: dict[str, bytes], folder: Path, large: bool = False) -> bytes:
    out = io.BytesIO()
    with StoredZipWriter(out, folder) as archive:
        for name, content in entries.items():
            # in pieces, as a file is copied
            archive.add(name, (content[i : i + 4096] for i in range(0, len(content), 4096)), large=large)
    assert archive._central.closed  # the spooled directory, unlinked from the start, is gone
    return out.getvalue()


def zipfiles(entries: dict[str, bytes], force_zip64: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o600 << 16
            with archive.open(info, "w", force_zip64=force_zip64) as target:
                target.write(content)
    return out.getvalue()


@pytest.mark.parametrize("large", [False, True])
def test_the_writer_writes_the_same_bytes_as_zipfile(tmp_path: Path, large: bool) -> None:
    assert ours(ENTRIES, tmp_path, large) == zipfiles(ENTRIES, force_zip64=large)


def test_more_than_65535_entries_get_zipfiles_zip64_end_records(tmp_path: Path) -> None:
    many = {f"letters/p-{n:06d}.pdf": str(n).encode() for n in range(70_000)}
    written = ours(many, tmp_path)
    assert written == zipfiles(many)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert len(archive.namelist()) == 70_000
        assert archive.read("letters/p-069999.pdf") == b"69999"
    entries = list(walk(io.BytesIO(written)))
    assert len(entries) == 70_000 and entries[-1].name == "letters/p-069999.pdf"


def test_unzip_tests_every_entry_of_a_written_archive(tmp_path: Path) -> None:
    unzip = shutil.which("unzip")
    assert unzip, "unzip is missing: .ci/install installs it"
    target = tmp_path / "bundle.zip"
    spool = tmp_path / "spool"
    spool.mkdir()
    target.write_bytes(ours(ENTRIES, spool))
    result = subprocess.run([unzip, "-t", str(target)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors detected" in result.stdout


def test_walk_and_entry_data_read_what_zipfile_wrote(tmp_path: Path) -> None:
    written = zipfiles(ENTRIES, force_zip64=True)
    stream = io.BytesIO(written)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        expected = [(i.filename, i.header_offset, i.file_size, i.CRC) for i in archive.infolist()]
    entries = list(walk(stream))
    assert [(e.name, e.offset, e.size, e.crc) for e in entries] == expected
    for entry in entries:
        assert b"".join(entry_data(stream, entry)) == ENTRIES[entry.name]


def test_offsets_past_2_gib_go_into_the_zip64_field_and_are_read_back(tmp_path: Path) -> None:
    writer = StoredZipWriter(io.BytesIO(), tmp_path)
    record = writer._central_record(b"late.pdf", 0, 3 * 2**30, 7, 5, False)
    writer.finish()
    archive = io.BytesIO()
    with StoredZipWriter(archive, tmp_path):
        pass  # an empty archive, whose directory is replaced below
    empty = archive.getvalue()  # the 22-byte end record
    end = bytearray(empty)
    end[10:12] = end[8:10] = (1).to_bytes(2, "little")  # one entry
    end[12:16] = len(record).to_bytes(4, "little")  # directory size; its offset stays 0
    (entry,) = walk(io.BytesIO(record + bytes(end)))
    assert (entry.name, entry.offset, entry.size, entry.crc) == ("late.pdf", 3 * 2**30, 5, 7)
    assert int.from_bytes(record[42:46], "little") == NO_VALUE32


def test_an_entry_past_2_gib_without_zip64_is_refused(tmp_path: Path) -> None:
    class Huge(bytes):
        def __len__(self) -> int:
            return ZIP64_LIMIT + 1  # pretend, rather than write 2 GiB

    with pytest.raises(BundleLimitError, match="2 GiB"), StoredZipWriter(io.BytesIO(), tmp_path) as archive:
        archive.add("huge.bin", [Huge(b"x")])
    assert archive._central.closed


def test_a_broken_zip64_field_is_an_unexpected_layout_not_a_crash(tmp_path: Path) -> None:
    written = bytearray(ours({"a.txt": b"a"}, tmp_path, large=True))
    directory = written.index(b"PK\x01\x02")
    written[directory + 24 : directory + 28] = (0xFFFFFFFF).to_bytes(4, "little")  # size: "see ZIP64"
    with pytest.raises(UnexpectedLayoutError):
        list(walk(io.BytesIO(bytes(written))))  # and there is no ZIP64 field in the record


def test_a_compressed_or_commented_archive_is_not_laid_out_as_ours(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"aaaa" * 100)
    (entry,) = walk(io.BytesIO(out.getvalue()))
    with pytest.raises(UnexpectedLayoutError):
        list(entry_data(io.BytesIO(out.getvalue()), entry))
    with zipfile.ZipFile(out, "a") as archive:
        archive.comment = b"a comment"
    with pytest.raises(UnexpectedLayoutError):
        list(walk(io.BytesIO(out.getvalue())))
