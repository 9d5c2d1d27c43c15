"""A batch's filing plan end to end: a draft filing, approved, published again final and signed.

Real `courtdocs` commands and burst workers on the embedded defaults, a few decisions a batch.
A draft is marked on every page and signed by no one; the approved filing is signed `/s/` by the
approving attorney and dated the day of approval in California. Omnibus and per-case filings of
the same file are never both made, and a per-case filing without a case says it is incomplete.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.bundle.layout import FILING_INDEX_PDF
from service.cli.main import EXIT_CONFLICT
from service.db.sql import now
from service.pipeline.approve import filing_date
from service.render.templating import long_date
from tests.pdftools import page_texts, reading_text
from tests.pipeline_helpers import Pipeline, bundle_entries, make_pipeline, manifest_of

DRAFT_MARK = "DRAFT: NOT FOR FILING"  # the running footer (an exhibit: its running header) of a draft
NAME, TITLE, BAR = "Avery K. Lindqvist", "Deputy District Attorney", "765432"
APPROVE = ("--all", "--name", NAME, "--title", TITLE, "--bar", BAR)
PER_CASE = ("--filing", "per-case")
LINEAR_B = "𐀀𐀁"  # no bundled font draws it: a per-case decision with it fails to render


@dataclass(frozen=True)
class Bundle:
    """One published bundle version, extracted: its entries in order, its manifest, its status."""

    folder: Path
    names: list[str]
    manifest: dict[str, Any]
    status: dict[str, Any]  # `courtdocs status --json` right after it was published

    def path(self, name: str) -> Path:
        return self.folder / name

    def filings(self, *suffixes: str) -> list[str]:
        """Return the filed PDFs whose names end with one of the suffixes, in bundle order."""
        return [name for name in self.names if name.endswith(suffixes)]

    @property
    def court(self) -> dict[str, Any]:
        (court,) = self.status["courts"].values()
        return dict(court)


@dataclass(frozen=True)
class Approved:
    """A one-court batch published as a draft, then approved and published again."""

    batch_id: str
    draft: Bundle
    final: Bundle
    dated: set[date]  # the filing date in California just before and just after approving
    check: str  # `courtdocs check` after the final filing


def run_batch(pipeline: Pipeline, sample: Path, *args: str) -> str:
    batch_id = pipeline.courtdocs("submit", str(sample), *args).stdout.strip()
    pipeline.courtdocs("worker", "--burst", "--processes", "1")
    return batch_id


def latest_bundle(pipeline: Pipeline, batch_id: str, into: Path) -> Bundle:
    """Extract the court's latest bundle into a folder of its own; read its manifest and status."""
    status = json.loads(pipeline.courtdocs("status", batch_id, "--json").stdout)
    (court,) = status["courts"].values()
    path = pipeline.output / court["bundle"]["path"]
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return Bundle(into, bundle_entries(path), manifest_of(path), status)


def approved(pipeline: Pipeline, sample: Path, *args: str) -> Approved:
    """Submit and publish a draft, approve every court with --all, and publish the final filing."""
    pipeline.runtime().redis.ping()  # the test holds the embedded Redis open for its workers
    batch_id = run_batch(pipeline, sample, *args)
    draft = latest_bundle(pipeline, batch_id, pipeline.output.parent / "draft")
    before = filing_date(now())
    pipeline.courtdocs("approve", batch_id, *APPROVE)
    after = filing_date(now())
    pipeline.courtdocs("worker", "--burst", "--processes", "1")
    final = latest_bundle(pipeline, batch_id, pipeline.output.parent / "final")
    check = pipeline.courtdocs("check", batch_id, check=False)
    assert check.returncode == 0, check.stdout
    return Approved(batch_id, draft, final, {before, after}, check.stdout)


def rewrite(sample: Path, index: int, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Change one decision of a sample file in place; return it as changed."""
    lines = [json.loads(line) for line in sample.read_text().splitlines()]
    change(lines[index])
    sample.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    return lines[index]


@pytest.fixture(scope="module")
def omnibus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Approved]:
    """Four decisions in one court, one of them a petition: a motion filing and a response filing."""
    pipeline = make_pipeline(tmp_path_factory.mktemp("omnibus") / "out")
    try:
        sample = pipeline.sample_file(4, courts=1, seed=71)  # seed 71 draws four HSC 11361.9 cases
        rewrite(sample, 0, lambda line: line.update(basis="HSC 11361.8"))
        yield approved(pipeline, sample)
    finally:
        pipeline.close()


@pytest.fixture(scope="module")
def per_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Approved]:
    pipeline = make_pipeline(tmp_path_factory.mktemp("per-case") / "out")
    try:
        yield approved(pipeline, pipeline.sample_file(2, courts=1, seed=72), *PER_CASE)
    finally:
        pipeline.close()


def assert_draft_on_every_page(bundle: Bundle, names: list[str]) -> None:
    assert names
    for name in names:
        pages = page_texts(bundle.path(name))
        unmarked = [
            number for number, text in enumerate(pages, 1) if DRAFT_MARK not in " ".join(text.split())
        ]
        assert unmarked == [], (name, unmarked)
        assert "/s/" not in reading_text(bundle.path(name)), name


def assert_signed(bundle: Bundle, name: str, dated: set[date]) -> None:
    """The filing is signed /s/ by the approving attorney, with the bar number, dated the approval."""
    text = reading_text(bundle.path(name))
    assert f"/s/ {NAME}" in text and f"{TITLE}, SBN {BAR}" in text, name
    assert any(f"Dated: {long_date(day)}" in text for day in dated), name


def assert_no_draft_anywhere(bundle: Bundle) -> None:
    for name in bundle.filings(".pdf"):
        assert "DRAFT" not in reading_text(bundle.path(name)), name


# -- omnibus -----------------------------------------------------------------------------------


def test_an_omnibus_batch_is_published_as_a_draft_marked_on_every_page(omnibus: Approved) -> None:
    draft = omnibus.draft
    assert draft.names[0] == FILING_INDEX_PDF and draft.manifest["filing_index"]["status"] == "draft"
    assert "DRAFT — awaiting approval by the signing attorney: do not file" in reading_text(
        draft.path(FILING_INDEX_PDF)
    )
    assert not [name for name in draft.names if name.startswith(("cases/", "letters/"))]
    filed = draft.filings("-omnibus-motion.pdf", "-omnibus-response.pdf", "-omnibus-order.pdf")
    exhibits = [name for name in draft.names if "-exhibit-a-part-" in name]
    assert len(filed) == 4 and len(exhibits) == 2  # under each basis: its filing, order and exhibit
    assert_draft_on_every_page(draft, [*filed, *exhibits])
    assert draft.status["filing"] == "omnibus"
    assert draft.court["approval"] is None
    assert draft.court["bundle"]["final"] is False and draft.court["bundle"]["version"] == 1


def test_an_approved_omnibus_filing_is_published_again_final_and_signed(omnibus: Approved) -> None:
    final = omnibus.final
    assert final.court["bundle"]["final"] is True and final.court["bundle"]["version"] == 2
    approval = final.court["approval"]
    assert (approval["name"], approval["title"], approval["bar_number"]) == (NAME, TITLE, BAR)
    assert date.fromisoformat(approval["approved_on"]) in omnibus.dated
    signed = final.filings("-omnibus-motion.pdf", "-omnibus-response.pdf")
    assert signed == ["omnibus/hsc-11361.9-omnibus-motion.pdf", "omnibus/hsc-11361.8-omnibus-response.pdf"]
    for name in signed:
        assert_signed(final, name, {date.fromisoformat(approval["approved_on"])})
    assert_no_draft_anywhere(final)
    assert final.names[0] == FILING_INDEX_PDF and final.manifest["filing_index"]["final"] is True
    index = reading_text(final.path(FILING_INDEX_PDF))
    dated = long_date(date.fromisoformat(approval["approved_on"]))
    assert f"FINAL — Ready to file: signed by {NAME}, SBN {BAR}, on {dated}" in index
    assert "ok: 4 decision(s), 0 failed with a reason, 2 bundle version(s) checked" in omnibus.check


# -- per case ----------------------------------------------------------------------------------


def test_a_per_case_batch_is_drafted_then_rendered_again_signed_once_approved(per_case: Approved) -> None:
    draft, final = per_case.draft, per_case.final
    assert draft.status["filing"] == "per-case" and draft.court["approval"] is None
    assert draft.names[0] == FILING_INDEX_PDF and not [n for n in draft.names if n.startswith("omnibus/")]
    motions = draft.filings("/motion.pdf")
    assert len(motions) == 2
    assert_draft_on_every_page(draft, [*motions, *draft.filings("/order.pdf")])

    assert final.court["bundle"]["final"] is True and final.court["bundle"]["version"] == 2
    assert final.filings("/motion.pdf") == motions
    approved_on = {date.fromisoformat(final.court["approval"]["approved_on"])}
    assert approved_on <= per_case.dated
    for name in motions:
        assert_signed(final, name, approved_on)
        assert draft.path(name).read_bytes() != final.path(name).read_bytes()  # rendered again
    assert_no_draft_anywhere(final)
    assert f"Ready to file: signed by {NAME}, SBN {BAR}" in reading_text(final.path(FILING_INDEX_PDF))


# -- one way only, and what is missing ---------------------------------------------------------


def test_a_file_submitted_again_to_be_filed_another_way_is_refused_naming_its_batch(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out")
    try:
        sample = pipeline.sample_file(2, courts=1, seed=73)
        first = pipeline.courtdocs("submit", str(sample)).stdout.strip()
        refused = pipeline.courtdocs("submit", str(sample), *PER_CASE, check=False)
        assert refused.returncode == EXIT_CONFLICT and refused.stdout == ""
        assert f"submitted before as batch {first}, to be filed omnibus" in refused.stderr
        assert [batch.id for batch in pipeline.runtime().store.batches.list_batches()] == [first]
        assert pipeline.courtdocs("submit", str(sample)).stdout.strip() == first  # the same way: that batch
    finally:
        pipeline.close()


def test_a_per_case_filing_without_a_case_that_failed_says_incomplete_and_names_it(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out")
    try:
        pipeline.runtime().redis.ping()
        sample = pipeline.sample_file(3, courts=1, seed=74)
        broken = rewrite(sample, 1, lambda line: line["person"].update(aka=[LINEAR_B]))
        missing = broken["case"]["number"]
        batch_id = run_batch(pipeline, sample, *PER_CASE)
        bundle = latest_bundle(pipeline, batch_id, tmp_path / "bundle")
        assert bundle.manifest["filing_index"]["status"] == "incomplete"
        assert [case["case_number"] for case in bundle.manifest["filing_index"]["missing"]] == [missing]
        index = reading_text(bundle.path(FILING_INDEX_PDF))
        assert "INCOMPLETE — 1 case(s) left out:" in index and missing in index
        assert not [name for name in bundle.names if broken["decision_id"] in name]
        assert len(bundle.filings("/motion.pdf")) == 2
        assert bundle.court["missing_cases"] == [missing]
        status = pipeline.courtdocs("status", batch_id).stdout
        assert f"INCOMPLETE: 1 case(s) left out: {missing}" in status
    finally:
        pipeline.close()


def test_an_omnibus_filing_leaves_out_a_case_that_cannot_render_and_says_so(tmp_path: Path) -> None:
    """One unrenderable name must not hold up a court's whole filing: it is published, incomplete."""
    pipeline = make_pipeline(tmp_path / "out")
    try:
        pipeline.runtime().redis.ping()
        sample = pipeline.sample_file(4, courts=1, seed=75)
        broken = rewrite(sample, 2, lambda line: line["person"].update(aka=[LINEAR_B]))
        missing = broken["case"]["number"]
        batch_id = run_batch(pipeline, sample)
        bundle = latest_bundle(pipeline, batch_id, tmp_path / "bundle")
        assert bundle.manifest["filing_index"]["status"] == "incomplete"
        assert [case["case_number"] for case in bundle.manifest["filing_index"]["missing"]] == [missing]
        assert "U+10000" in bundle.manifest["filing_index"]["missing"][0]["reason"]
        exhibits = " ".join(reading_text(bundle.path(name)) for name in bundle.filings("-part-001.pdf"))
        others = [json.loads(line)["case"]["number"] for line in sample.read_text().splitlines()]
        assert missing not in exhibits and all(case in exhibits for case in others if case != missing)
        assert bundle.court["missing_cases"] == [missing]
        assert f"INCOMPLETE: 1 case(s) left out: {missing}" in pipeline.courtdocs("status", batch_id).stdout
        assert pipeline.courtdocs("check", batch_id, check=False).returncode == 0
        # A retry publishes the court again (the font is still missing: incomplete again, not stuck).
        pipeline.courtdocs("retry", batch_id)
        pipeline.courtdocs("worker", "--burst", "--processes", "1")
        again = latest_bundle(pipeline, batch_id, tmp_path / "again")
        assert again.court["state"] == "published" and again.court["missing_cases"] == [missing]
        assert pipeline.courtdocs("check", batch_id, check=False).returncode == 0
    finally:
        pipeline.close()
