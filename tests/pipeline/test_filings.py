"""A published court with cases of both bases: two omnibus filings, each captioned with one basis.

HSC 11361.9 cases are moved by the People; HSC 11361.8 cases are the persons' own petitions or
applications, answered by the People. Each gets its own omnibus filing and its own Exhibit A, in
parts numbered from 1, read back from the bundle with pdftotext.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.pipeline.status import batch_status
from tests.faults.fault_helpers import FAST, submit
from tests.pdftools import pdf_text
from tests.pipeline_helpers import Pipeline, bundle_entries, make_pipeline
from tests.unit.render.test_petition import body_text

PETITIONS = (1, 4, 6)  # lines made HSC 11361.8 (the persons' petitions/applications)
CAPTION = "Health and Safety Code section {}"  # in a caption, or in an exhibit's heading
MOTION_FILING = [
    "omnibus/hsc-11361.9-omnibus-motion.pdf",
    "omnibus/hsc-11361.9-omnibus-order.pdf",
    "omnibus/hsc-11361.9-exhibit-a-part-001.pdf",
    "omnibus/hsc-11361.9-exhibit-a-part-002.pdf",
    "omnibus/hsc-11361.9-exhibit-a-part-003.pdf",
]
RESPONSE_FILING = [
    "omnibus/hsc-11361.8-omnibus-response.pdf",
    "omnibus/hsc-11361.8-omnibus-order.pdf",
    "omnibus/hsc-11361.8-exhibit-a-part-001.pdf",
    "omnibus/hsc-11361.8-exhibit-a-part-002.pdf",
]


@dataclass(frozen=True)
class Court:
    """A published court bundle, its files extracted, and the case numbers of each basis."""

    names: list[str]
    folder: Path
    petitions: set[str]
    reviews: set[str]
    clerk_import: list[dict[str, str]]

    def text(self, name: str) -> str:
        """Return a pleading's words right of the line numbers and above the footer; an exhibit's all."""
        if "-exhibit-a-part-" in name:  # a dense table, not on numbered lines
            return " ".join(pdf_text(self.folder / name).split())
        return body_text(self.folder / name)


@pytest.fixture(scope="module")
def court(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Court]:
    root = tmp_path_factory.mktemp("filings")
    pipeline: Pipeline = make_pipeline(root / "out", COURTDOCS_OMNIBUS_PART_DECISIONS="2", **FAST)
    pipeline.runtime().redis.ping()
    sample = pipeline.sample_file(8, courts=1, seed=5)
    lines = [json.loads(line) for line in sample.read_text().splitlines()]
    for index, line in enumerate(lines):
        line["basis"] = "HSC 11361.8" if index in PETITIONS else "HSC 11361.9"
    sample.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    batch_id = submit(pipeline, sample)
    pipeline.courtdocs("worker", "--burst")
    report = batch_status(pipeline.runtime(), batch_id)
    assert report is not None and len(report.courts) == 1
    bundle = next(iter(report.courts.values())).bundle
    assert bundle is not None and bundle.path is not None
    folder = root / "bundle"
    with zipfile.ZipFile(pipeline.output / bundle.path) as archive:
        archive.extractall(folder)
    numbers = [(line["case"]["number"], index in PETITIONS) for index, line in enumerate(lines)]
    yield Court(
        names=bundle_entries(pipeline.output / bundle.path),
        folder=folder,
        petitions={number for number, petition in numbers if petition},
        reviews={number for number, petition in numbers if not petition},
        clerk_import=list(
            csv.DictReader(io.StringIO((folder / "clerk-import.csv").read_text(encoding="utf-8")))
        ),
    )
    pipeline.close()


def test_each_basis_has_its_own_filing_and_exhibit_numbered_from_one(court: Court) -> None:
    filings = [name for name in court.names if name.startswith("omnibus/")]
    assert filings == MOTION_FILING + RESPONSE_FILING


@pytest.mark.parametrize("name", MOTION_FILING)
def test_every_document_of_the_motion_filing_names_11361_9_alone(court: Court, name: str) -> None:
    text = court.text(name)
    # The relief itself is granted under 11361.8 (11361.9 sends the court there); the filing is 11361.9's.
    assert CAPTION.format("11361.9") in text and f"({CAPTION.format('11361.8')})" not in text
    assert "§ 11361.8" not in text and "petition" not in text.lower()
    assert "THE DEFENDANTS LISTED IN EXHIBIT A" in text.upper()


@pytest.mark.parametrize("name", RESPONSE_FILING)
def test_every_document_of_the_response_filing_names_11361_8_alone(court: Court, name: str) -> None:
    text = court.text(name)
    assert CAPTION.format("11361.8") in text and "11361.9" not in text
    assert "motion" not in text.lower() and "THE DEFENDANTS/PETITIONERS LISTED IN EXHIBIT A" in text.upper()


def test_the_titles_say_who_asked(court: Court) -> None:
    assert "PEOPLE'S OMNIBUS MOTION FOR RELIEF UNDER HSC § 11361.9" in court.text(MOTION_FILING[0])
    response = court.text(RESPONSE_FILING[0])
    assert "PEOPLE'S OMNIBUS RESPONSE TO PETITIONS/APPLICATIONS FOR RELIEF (HSC § 11361.8): NO OBJECTION" in (
        response
    )
    assert "in 2 parts (3 cases," in response
    order = court.text(RESPONSE_FILING[1])
    assert "each petition/application is GRANTED" in order and "in 2 parts (3 cases," in order
    assert "in 3 parts (5 cases," in court.text(MOTION_FILING[1])


def test_each_exhibit_lists_the_cases_of_its_basis_only(court: Court) -> None:
    motion_exhibit = " ".join(court.text(name) for name in MOTION_FILING[2:])
    response_exhibit = " ".join(court.text(name) for name in RESPONSE_FILING[2:])
    assert all(number in motion_exhibit for number in court.reviews)
    assert not any(number in motion_exhibit for number in court.petitions)
    assert all(number in response_exhibit for number in court.petitions)
    assert not any(number in response_exhibit for number in court.reviews)
    assert "Part 2 of 2" in response_exhibit and "to the Omnibus Response and Order" in response_exhibit
    assert "Part 3 of 3" in motion_exhibit and "to the Omnibus Motion and Order" in motion_exhibit


def test_the_clerk_import_says_which_order_grants_each_row(court: Court) -> None:
    bases = {row["case_number"]: row["basis"] for row in court.clerk_import}
    assert bases == {number: "HSC 11361.8" for number in court.petitions} | {
        number: "HSC 11361.9" for number in court.reviews
    }
