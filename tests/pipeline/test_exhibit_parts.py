"""A court's Exhibit A in parts, as published: "Part i of n", case ranges, bookmarks, e-filing limits."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from pathlib import Path

from pypdf import PdfReader

from service.core.sample import generate_decisions, write_jsonl
from service.pipeline.status import batch_status
from tests.pipeline_helpers import make_pipeline, manifest_of

DASH = "\N{EN DASH}"
BASIS = "HSC 11361.9"  # every case of these courts: one filing, one exhibit
EXHIBIT_PREFIX = "omnibus/hsc-11361.9-exhibit-a-part-"
PART = re.compile(rf"Exhibit A, Part (\d+) of (\d+): Cases (\d+){DASH}(\d+) of (\d+)")


def publish_one_court(tmp_path: Path, decisions: int, **env: str) -> Path:
    """Render and publish a one-court batch with these settings; return its bundle."""
    pipeline = make_pipeline(tmp_path / "out", **env)
    try:
        sample = pipeline.output / "one-basis.jsonl"
        motions = (d for d in generate_decisions(decisions * 4, seed=7, courts=1) if d["basis"] == BASIS)
        with sample.open("w", encoding="utf-8") as stream:
            assert write_jsonl(itertools.islice(motions, decisions), stream) == decisions
        batch_id = pipeline.courtdocs("submit", str(sample)).stdout.strip()
        pipeline.courtdocs("worker", "--burst", "--processes", "2", timeout=900)
        report = batch_status(pipeline.runtime(), batch_id)
        assert report is not None
        (court,) = report.courts.values()
        assert court.bundle is not None and court.bundle.path is not None
        return pipeline.output / court.bundle.path
    finally:
        pipeline.close()


def exhibit_parts(bundle: Path) -> list[PdfReader]:
    with zipfile.ZipFile(bundle) as archive:
        names = sorted(name for name in archive.namelist() if name.startswith(EXHIBIT_PREFIX))
        return [PdfReader(io.BytesIO(archive.read(name))) for name in names]


def labels(part: PdfReader) -> list[tuple[int, ...]]:
    """Return (part, of, first case, last case, cases) of each outline entry of a part."""
    return [tuple(int(n) for n in PART.fullmatch(item.title).groups()) for item in part.outline]


def test_a_two_part_court_says_part_1_of_2_and_which_cases_on_every_page(tmp_path: Path) -> None:
    bundle = publish_one_court(tmp_path, 24, COURTDOCS_OMNIBUS_PART_DECISIONS="16")
    first, second = exhibit_parts(bundle)
    assert labels(first) == [(1, 2, 1, 16, 24)] and labels(second) == [(2, 2, 17, 24, 24)]
    for part, label in (
        (first, f"Part 1 of 2 · Cases 1{DASH}16 of 24"),
        (second, f"Part 2 of 2 · Cases 17{DASH}24 of 24"),
    ):
        for page in part.pages:
            assert f"EXHIBIT A · {label}" in page.extract_text()
    entries = {entry["path"]: entry for entry in manifest_of(bundle)["files"]}
    assert entries[f"{EXHIBIT_PREFIX}002.pdf"]["pages"] == len(second.pages)


def test_parts_over_the_e_filing_page_limit_are_made_shorter_and_still_know_n(tmp_path: Path) -> None:
    # The limit's old name still works: one page a part forces parts far below 100 cases.
    bundle = publish_one_court(tmp_path, 40, COURTDOCS_BUNDLE_MAX_PAGES="1")
    parts = exhibit_parts(bundle)
    found = [label for part in parts for label in labels(part)]
    assert len(parts) >= 2 and all(len(part.pages) == 1 for part in parts)
    assert [label[:2] for label in found] == [(number, len(parts)) for number in range(1, len(parts) + 1)]
    assert found[0][2] == 1 and found[-1][3] == 40 and {label[4] for label in found} == {40}
    assert all(before[3] + 1 == after[2] for before, after in itertools.pairwise(found))
