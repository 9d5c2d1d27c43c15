"""Where every output file lives and what every bundle entry is called: the one owner of both.

Paths are POSIX strings relative to the output folder (what `documents.path` and `bundles.path`
store); join them to the folder with `output_dir / path`. Every component built from an
identifier goes through `safe_part`, so no name can climb out of its folder or hide in it.

The output folder::

    batches/<batch>/                                 batch_folder: all of a batch; retention removes it
    ├── rejected.txt                                 rejections_path: decisions refused at submission
    ├── documents/<court>/                           court_folder(batch, Area.DOCUMENTS, court)
    │   ├── <decision>/<kind>.<fmt>                  document_path: motion and order, pdf and docx
    │   └── letters/<person>.<fmt>                   document_path: one letter per person to notify
    ├── omnibus/<court>/                             omnibus_folder: what publication writes first
    │   ├── hsc-11361.9-omnibus-motion.pdf …         omnibus_file: its entry's file name
    │   ├── hsc-11361.9-exhibit-a-part-001.pdf …
    │   ├── clerk-import.csv
    │   └── 00-filing-index.pdf                      rendered last: it lists the others' pages and bytes
    ├── bundles/<court>/<batch>-<court>-v001.zip     bundle_path: each published version
    └── rulings/<court>/                             ruling_folder: what the court decided, per version
        ├── ruling-v001-order.pdf                    ruling_order_path: the judge's signed order (a scan)
        └── ruling-v001-clerk-import.csv             ruling_clerk_import_path: every count's outcome

A bundle ZIP, in the order its entries are written (one omnibus filing per statutory basis the
court's cases have, each with its own Exhibit A: never both bases in one filing)::

    00-filing-index.pdf                                        FILING_INDEX_PDF: first, though made last
    omnibus/hsc-11361.9-omnibus-motion.pdf                     omnibus_entry: the People move
    omnibus/hsc-11361.9-omnibus-order.pdf
    omnibus/hsc-11361.9-exhibit-a-part-001.pdf …               exhibit_entry: filed publicly, or
    omnibus/hsc-11361.9-exhibit-a-part-001-confidential.pdf    lodged under seal, then perhaps
    omnibus/hsc-11361.9-exhibit-a-part-001-public.pdf …        its public version, part by part
    omnibus/hsc-11361.8-omnibus-response.pdf                   omnibus_entry: the People answer
    omnibus/hsc-11361.8-omnibus-order.pdf                      the persons' petitions/applications
    omnibus/hsc-11361.8-exhibit-a-part-001.pdf …               exhibit_entry
    clerk-import.csv                                           CLERK_IMPORT
    cases/<case numbers>_<decision>/<kind>.<fmt>               case_entry
    letters/<person>.<fmt>                                     letter_entry
    manifest.json                                              MANIFEST_JSON: lists every entry above
    manifest.csv                                               MANIFEST_CSV: the same list as CSV

The parse side (`entry_kind`, `is_case_entry_of`, `is_filing_entry_of`, `is_letter_entry_of`,
`letter_subject`, `bundle_version_of`) reads names back and never raises: `courtdocs check` hands
it whatever a bundle or the folder holds.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePath, PurePosixPath

from service.core.files import safe_part
from service.core.kinds import DocumentKind, ExhibitVariant

BATCHES = "batches"
REJECTIONS = "rejected.txt"
LETTERS = "letters"  # a court's letters folder under documents/, and the letters' folder in a bundle
RULINGS = "rulings"  # not an Area: publication never touches what a ruling recorded
BUNDLE_SUFFIX = ".zip"
DOWNLOAD_PREFIX = "courtdocs-"  # a bundle's name when downloaded over HTTP

CASES_PREFIX = "cases/"
LETTERS_PREFIX = f"{LETTERS}/"
OMNIBUS_PREFIX = "omnibus/"
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
CLERK_IMPORT = "clerk-import.csv"
# What to file, in which order and envelope, and what is a copy only: the first entry of a bundle
# (Entries.add_first), so first in the ZIP, the manifest and a file browser's sorted listing.
FILING_INDEX_PDF = "00-filing-index.pdf"
COURT_WIDE = frozenset({CLERK_IMPORT, FILING_INDEX_PDF})  # a court batch's files of no one basis
UNLISTED = {MANIFEST_JSON, MANIFEST_CSV}  # the manifest cannot list its own hash
OMNIBUS_FORMAT = "pdf"


class Area(StrEnum):
    """A batch's folders that hold one folder per court."""

    DOCUMENTS = "documents"
    OMNIBUS = "omnibus"
    BUNDLES = "bundles"


class EntryKind(StrEnum):
    """What a listed bundle entry is, read from its name."""

    CASE = "case"  # a decision's motion or order
    LETTER = "letter"  # a person's notification letter
    COURT = "court"  # the court batch's own files: omnibus filing, Exhibit A, clerk import, filing index


# -- the output folder ---------------------------------------------------------------------


def batch_folder(batch_id: str) -> str:
    """Return the folder that holds everything of one batch."""
    return f"{BATCHES}/{safe_part(batch_id)}"


def rejections_path(batch_id: str) -> str:
    """Return the file that lists why decisions of a submission were refused."""
    return f"{batch_folder(batch_id)}/{REJECTIONS}"


def area_folder(batch_id: str, area: Area) -> str:
    """Return one area of a batch (documents, omnibus or bundles), with every court's folder in it."""
    return f"{batch_folder(batch_id)}/{area.value}"


def court_folder(batch_id: str, area: Area, court_code: str) -> str:
    """Return a court's folder in one area of a batch."""
    return f"{area_folder(batch_id, area)}/{safe_part(court_code)}"


def document_path(batch_id: str, court_code: str, subject: str, kind: str, fmt: str) -> str:
    """Return where a rendered document lives; subject is a decision id, or a person key for a letter."""
    folder = court_folder(batch_id, Area.DOCUMENTS, court_code)
    if kind == DocumentKind.LETTER:
        return f"{folder}/{LETTERS}/{_file(subject, fmt)}"
    return f"{folder}/{safe_part(subject)}/{_file(kind, fmt)}"


def omnibus_folder(batch_id: str, court_code: str) -> str:
    """Return the folder where publication writes a court's omnibus filing, Exhibit A and clerk import."""
    return court_folder(batch_id, Area.OMNIBUS, court_code)


def omnibus_file(entry: str) -> str:
    """Return the name a court file (omnibus filing, Exhibit A part, clerk import) has in omnibus_folder."""
    return safe_part(PurePosixPath(entry).name)


def bundle_folder(batch_id: str, court_code: str) -> str:
    """Return the folder that holds every bundle version of a court batch."""
    return court_folder(batch_id, Area.BUNDLES, court_code)


def bundle_name(batch_id: str, court_code: str, version: int) -> str:
    """Return the file name of one bundle version, e.g. b20260101-0123456789-LA-CCB-v001.zip."""
    return f"{safe_part(batch_id)}-{safe_part(court_code)}-v{version:03d}{BUNDLE_SUFFIX}"


def bundle_path(batch_id: str, court_code: str, version: int) -> str:
    """Return where one bundle version lives."""
    return f"{bundle_folder(batch_id, court_code)}/{bundle_name(batch_id, court_code, version)}"


def download_name(batch_id: str, court_code: str, version: int) -> str:
    """Return the file name a downloaded bundle is saved as."""
    return DOWNLOAD_PREFIX + bundle_name(batch_id, court_code, version)


def bundle_version_of(path: str | PurePath, batch_id: str, court_code: str) -> int | None:
    """Return the version of a court batch's bundle from its path or name, or None if it is not one."""
    prefix = re.escape(f"{batch_id}-{court_code}-v")
    found = re.fullmatch(f"{prefix}([0-9]+){re.escape(BUNDLE_SUFFIX)}", PurePosixPath(path).name)
    return int(found.group(1)) if found else None


def ruling_folder(batch_id: str, court_code: str) -> str:
    """Return the folder that holds every ruling version of a court filing."""
    return f"{batch_folder(batch_id)}/{RULINGS}/{safe_part(court_code)}"


def ruling_order_path(batch_id: str, court_code: str, version: int) -> str:
    """Return where the signed order of one ruling version is stored."""
    return f"{ruling_folder(batch_id, court_code)}/ruling-v{version:03d}-order.pdf"


def ruling_clerk_import_path(batch_id: str, court_code: str, version: int) -> str:
    """Return where the clerk import of one ruling version (every count's outcome) is written."""
    return f"{ruling_folder(batch_id, court_code)}/ruling-v{version:03d}-clerk-import.csv"


class RulingFile(StrEnum):
    """A ruling's files as the web serves them, by the last part of their address."""

    ORDER = "order.pdf"  # the signed order as recorded
    CLERK_IMPORT = CLERK_IMPORT  # every count with its outcome and the order date


def doj_report_paths(batch_id: str, court_code: str, version: int) -> tuple[str, str]:
    """Return where the DOJ disposition report of one ruling version is written: CSV, fixed width."""
    stem = f"{ruling_folder(batch_id, court_code)}/ruling-v{version:03d}-doj-report"
    return f"{stem}.csv", f"{stem}.txt"


# -- entries of a bundle ZIP ---------------------------------------------------------------


def case_entry(case_numbers: str, decision_id: str, kind: str, fmt: str) -> str:
    """Return the entry of a decision's document, filed under its case number."""
    folder = _case_folder(safe_part(case_numbers), safe_part(decision_id))
    return f"{CASES_PREFIX}{folder}/{_file(kind, fmt)}"


def letter_entry(person_key: str, fmt: str) -> str:
    """Return the entry of a person's letter."""
    return f"{LETTERS_PREFIX}{_file(person_key, fmt)}"


def omnibus_entry(kind: str, basis: str) -> str:
    """Return the entry of an omnibus filing's document (omnibus/hsc-11361.9-omnibus-motion.pdf)."""
    stem = f"{_basis_part(basis)}-{safe_part(kind.replace('_', '-'))}"
    return f"{OMNIBUS_PREFIX}{_file(stem, OMNIBUS_FORMAT)}"


def exhibit_entry(part: int, basis: str, variant: ExhibitVariant = ExhibitVariant.FULL) -> str:
    """Return the entry of one part, numbered from 1, of the Exhibit A of one basis's omnibus filing.

    The full exhibit has the plain name; a confidential part and its public version say which they are.
    """
    suffix = "" if variant is ExhibitVariant.FULL else f"-{variant.value}"
    return f"{OMNIBUS_PREFIX}{_basis_part(basis)}-exhibit-a-part-{part:03d}{suffix}.{OMNIBUS_FORMAT}"


def entry_kind(name: str) -> EntryKind | None:
    """Return what a listed entry is from its name; None for a name no listed entry has."""
    if name.startswith(CASES_PREFIX):
        return EntryKind.CASE
    if name.startswith(LETTERS_PREFIX):
        return EntryKind.LETTER
    if name.startswith(OMNIBUS_PREFIX) or name in COURT_WIDE:
        return EntryKind.COURT
    return None


def is_case_entry_of(name: str, case_numbers: str, decision_id: str) -> bool:
    """Return whether an entry is filed under this decision and its case numbers."""
    return name.startswith(f"{CASES_PREFIX}{_case_folder(case_numbers, decision_id)}/")


def is_filing_entry_of(name: str, basis: str) -> bool:
    """Return whether an entry belongs to the omnibus filing of this basis (its documents or exhibit)."""
    return name.startswith(f"{OMNIBUS_PREFIX}{_basis_stem(basis)}-")


def is_letter_entry_of(name: str, person_key: str, fmt: str) -> bool:
    """Return whether an entry is this person's letter in this format."""
    return name == f"{LETTERS_PREFIX}{person_key}.{fmt}"


def letter_subject(name: str) -> str:
    """Return the person key a letter entry names (its file name without the format)."""
    return name.removeprefix(LETTERS_PREFIX).rsplit(".", 1)[0]


def _basis_part(basis: str) -> str:
    """Return a statutory basis (a decision's `basis`) as it starts a court file's name: hsc-11361.8."""
    return safe_part(_basis_stem(basis))


def _basis_stem(basis: str) -> str:
    return basis.lower().replace("hsc ", "hsc-", 1)


def _case_folder(case_numbers: str, decision_id: str) -> str:
    return f"{case_numbers}_{decision_id}"


def _file(stem: str, fmt: str) -> str:
    return f"{safe_part(stem)}.{safe_part(fmt)}"
