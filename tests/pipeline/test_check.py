"""`courtdocs check`: a kept promise passes; each way of breaking it is reported in words.

Two batches are rendered for the module, each in two courts with cases of both bases. A per-case
batch with a decision that failed for good and a retried one (so one court has two bundle
versions), and an omnibus batch (so each court has two omnibus filings). Each test breaks a copy
of one of them and checks the copy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from service.core.filing import FilingMode
from service.core.models import from_stored
from service.db.store import Store
from service.errors import NotFoundError
from service.pipeline.check import (
    BatchFacts,
    approval_rule,
    check_batch,
    filing_rule,
    gather,
    outcome_rule,
    placement_rule,
    provenance_rule,
)
from service.pipeline.publish import publish
from service.render import Renderer
from service.settings import Settings
from tests.faults.fault_helpers import FAST, submit
from tests.pdftools import reading_text
from tests.pipeline_helpers import Pipeline, make_pipeline

LINEAR_B = "𐀀𐀁"  # no bundled font draws it: the decision fails with a reason
PETITIONS = (0, 3)  # HSC 11361.8, one in each court (LA-CCB and LA-VNW)


@dataclass(frozen=True)
class Published:
    """A finished batch, and the decisions that failed and were retried in it (per case only)."""

    pipeline: Pipeline
    batch_id: str
    failed_id: str = ""
    retried_id: str = ""


def sample_lines(
    pipeline: Pipeline, *, unrenderable: tuple[int, ...] = ()
) -> tuple[Path, list[dict[str, Any]]]:
    """Write eight decisions in two courts, two of them petitions, some with a name no font draws."""
    sample = pipeline.sample_file(8, courts=2, seed=31)
    lines = [json.loads(line) for line in sample.read_text().splitlines()]
    for index in unrenderable:
        lines[index]["person"]["aka"] = [LINEAR_B]
    for index in PETITIONS:
        lines[index]["basis"] = "HSC 11361.8"
    sample.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    return sample, lines


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The per-case batch: decision 5 failed for good, decision 2 failed, was fixed and retried."""
    pipeline = make_pipeline(tmp_path_factory.mktemp("check") / "out", **FAST)
    pipeline.runtime().redis.ping()
    sample, lines = sample_lines(pipeline, unrenderable=(2, 5))
    batch_id = submit(pipeline, sample, "--filing", FilingMode.PER_CASE.value)
    pipeline.courtdocs("worker", "--burst")
    retried = lines[2]["decision_id"]
    fixed = dict(lines[2], person=dict(lines[2]["person"], aka=[]))
    with pipeline.runtime().store.engine.begin() as conn:
        conn.execute(
            text("UPDATE decisions SET payload = :payload WHERE decision_id = :id"),
            {"payload": json.dumps(fixed), "id": retried},
        )
    pipeline.courtdocs("retry", batch_id)
    pipeline.courtdocs("worker", "--burst")
    yield Published(pipeline, batch_id, lines[5]["decision_id"], retried)
    pipeline.close()


@pytest.fixture(scope="module")
def omnibus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The omnibus batch: nothing rendered per case, each court published once with both filings."""
    pipeline = make_pipeline(tmp_path_factory.mktemp("check-omnibus") / "out", **FAST)
    pipeline.runtime().redis.ping()
    sample, _ = sample_lines(pipeline)
    batch_id = submit(pipeline, sample)
    pipeline.courtdocs("worker", "--burst")
    yield Published(pipeline, batch_id)
    pipeline.close()


@dataclass
class Copy:
    """A copy of the published installation that a test may break."""

    output: Path
    batch_id: str
    store: Store

    def run(self, sql: str, **values: object) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(text(sql), values)

    def violations(self) -> list[str]:
        return check_batch(self.store, self.output, self.batch_id).violations

    def facts(self) -> BatchFacts:
        facts = gather(self.store, self.output, self.batch_id)
        assert facts is not None
        return facts

    def bundle_paths(self) -> list[Path]:
        return [self.output / row.path for row in self.store.publications.bundles_of(self.batch_id)]


@contextlib.contextmanager
def copy_of(published: Published, output: Path) -> Iterator[Copy]:
    shutil.copytree(published.pipeline.output, output, ignore=shutil.ignore_patterns("redis"))
    store = Store(Settings(output_dir=output).sqlite_url)
    try:
        yield Copy(output, published.batch_id, store)
    finally:
        store.dispose()


@pytest.fixture
def copy(published: Published, tmp_path: Path) -> Iterator[Copy]:
    """A copy of the per-case batch."""
    with copy_of(published, tmp_path / "out") as copied:
        yield copied


@pytest.fixture
def omnibus_copy(omnibus: Published, tmp_path: Path) -> Iterator[Copy]:
    with copy_of(omnibus, tmp_path / "out") as copied:
        yield copied


def with_bundle(facts: BatchFacts, court: str, **manifest: object) -> BatchFacts:
    """Return the facts with the court's latest bundle's manifest changed (a forged bundle)."""
    bundle = facts.latest()[court]
    forged = dataclasses.replace(bundle, manifest=dict(bundle.manifest, **manifest))
    return dataclasses.replace(facts, bundles=[*(b for b in facts.bundles if b is not bundle), forged])


def test_the_published_batches_pass_and_the_cli_says_so(published: Published, omnibus: Published) -> None:
    result = published.pipeline.courtdocs("check", published.batch_id, check=False)
    assert result.returncode == 0, result.stdout
    assert "ok: 8 decision(s), 1 failed with a reason, 3 bundle version(s) checked" in result.stdout
    result = omnibus.pipeline.courtdocs("check", omnibus.batch_id, check=False)
    assert result.returncode == 0, result.stdout
    assert "ok: 8 decision(s), 0 failed with a reason, 2 bundle version(s) checked" in result.stdout


def test_the_fixture_has_a_retried_decision_in_version_two_and_a_failed_one(copy: Copy) -> None:
    versions = sorted(row.version for row in copy.store.publications.bundles_of(copy.batch_id))
    assert versions == [1, 1, 2] and len(copy.store.documents.failed(copy.batch_id)) >= 4


def test_a_modified_bundle_is_reported_for_every_version(copy: Copy) -> None:
    for path in copy.bundle_paths():
        with path.open("ab") as bundle:
            bundle.write(b"\0")
    found = "\n".join(copy.violations())
    assert found.count("modified since it was published") == 3


def test_a_missing_bundle_and_a_changed_document_are_reported(copy: Copy, published: Published) -> None:
    copy.bundle_paths()[0].unlink()
    document = next((copy.output / "batches").rglob("order.pdf"))
    document.write_bytes(document.read_bytes() + b"%")
    found = "\n".join(copy.violations())
    assert "recorded but missing" in found
    assert "the file on disk is missing or differs from its record" in found


def test_a_temporary_file_and_an_unpublished_bundle_are_reported(copy: Copy) -> None:
    folder = copy.bundle_paths()[0].parent
    (folder / ".tmp-abc123").write_bytes(b"half a zip")
    shutil.copy(copy.bundle_paths()[0], folder / f"{copy.batch_id}-{folder.name}-v009.zip")
    found = "\n".join(copy.violations())
    assert ".tmp-abc123: temporary file left behind" in found
    assert "-v009.zip: a bundle file that was never published" in found


def test_a_pending_document_a_failure_without_reason_and_a_wrong_state_are_reported(
    copy: Copy, published: Published
) -> None:
    copy.run(
        "UPDATE documents SET state = 'pending' WHERE subject = :id AND kind = 'order'",
        id=published.retried_id,
    )
    copy.run("UPDATE documents SET last_error = NULL WHERE subject = :id", id=published.failed_id)
    found = "\n".join(copy.violations())
    assert f"decision {published.retried_id} order.pdf: still pending" in found
    assert "document(s) pending" in found
    assert f"decision {published.failed_id} motion.pdf: failed without a reason" in found
    copy.run("UPDATE court_batches SET state = 'rendering', last_error = 'x' WHERE court_code = 'LA-CCB'")
    found = "\n".join(copy.violations())
    assert "state published, but LA-CCB rendering" in found
    assert "court LA-CCB: not published yet, rendering (last attempt failed: x)" in found


def test_a_missing_or_doubled_document_in_the_latest_bundle_is_reported(copy: Copy) -> None:
    facts = copy.facts()
    assert placement_rule(facts) == []
    files = facts.latest()["LA-CCB"].manifest["files"]
    assert files[-1]["path"].startswith("cases/")
    for broken, expected in ((files + files[-1:], "2 entries"), (files[:-1], "0 entries")):
        problems = placement_rule(with_bundle(facts, "LA-CCB", files=broken))
        assert len(problems) == 1 and expected in problems[0], problems


def test_anything_in_a_bundle_that_was_not_submitted_is_reported(copy: Copy, published: Published) -> None:
    facts = copy.facts()
    assert provenance_rule(facts) == []
    bundle = facts.latest()["LA-CCB"]
    strangers = [
        {"path": "cases/X1_NOT-SUBMITTED/motion.pdf", "decision_id": "NOT-SUBMITTED"},
        {"path": "letters/p-nobody.pdf", "decision_id": None},
        {"path": "secrets.txt", "decision_id": None},
    ]
    other_court = next(d for d in facts.decisions if d.court_code != "LA-CCB")
    strangers.append(
        {
            "path": f"cases/{other_court.case_number}_{other_court.decision_id}/order.pdf",
            "decision_id": other_court.decision_id,
        }
    )
    forged = dataclasses.replace(
        bundle,
        manifest=dict(bundle.manifest, batch_id="b20000101-0000000000", files=strangers),
        clerk_decisions=["NOT-SUBMITTED"],
    )
    problems = provenance_rule(dataclasses.replace(facts, bundles=[forged]))
    assert len(problems) == 6, problems
    assert any("names another batch or court" in p for p in problems)
    assert any("letters/p-nobody.pdf: not a kind of file a bundle holds" in p for p in problems)
    assert any("secrets.txt: not a kind of file a bundle holds" in p for p in problems)
    assert sum("not submitted to this court in this batch" in p for p in problems) == 2
    assert any("clerk import lists NOT-SUBMITTED" in p for p in problems)


def test_an_unknown_batch_is_not_found(copy: Copy) -> None:
    with pytest.raises(NotFoundError, match=r"^no batch b20000101-0000000000$"):
        check_batch(copy.store, copy.output, "b20000101-0000000000")


def test_the_next_publication_removes_what_a_killed_writer_left(copy: Copy) -> None:
    court = "LA-CCB"
    folder = copy.output / "batches" / copy.batch_id
    decision_folder = next(path for path in (folder / "documents" / court).iterdir() if path.is_dir())
    leftovers = [
        decision_folder / ".tmp-killed",
        folder / "omnibus" / court / ".tmp-killed",
        folder / "bundles" / court / ".tmp-killed",
    ]
    for path in leftovers:
        path.write_bytes(b"half")
    stray = folder / "bundles" / court / f"{copy.batch_id}-{court}-v009.zip"
    stray.write_bytes(b"never recorded")
    copy.run("UPDATE court_batches SET state = 'publishing', owner = 'tok' WHERE court_code = :c", c=court)
    settings = dataclasses.replace(Settings.from_env(), output_dir=copy.output)
    result = publish(
        settings, copy.store, Renderer(settings), copy.batch_id, court, token="tok", renew=lambda: None
    )
    assert result["published"] is True
    assert not any(path.exists() for path in [*leftovers, stray])
    assert copy.violations() == []


def test_each_court_has_one_omnibus_filing_per_basis_and_nothing_else(omnibus_copy: Copy) -> None:
    facts = omnibus_copy.facts()
    assert filing_rule(facts) == []
    bundle = facts.latest()["LA-CCB"]
    files = bundle.manifest["files"]
    names = [item["path"] for item in files]
    assert [name for name in names if name.startswith("omnibus/")] == [
        "omnibus/hsc-11361.9-omnibus-motion.pdf",
        "omnibus/hsc-11361.9-omnibus-order.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-001.pdf",
        "omnibus/hsc-11361.8-omnibus-response.pdf",
        "omnibus/hsc-11361.8-omnibus-order.pdf",
        "omnibus/hsc-11361.8-exhibit-a-part-001.pdf",
    ]
    without_response = [item for item in files if item["path"] != "omnibus/hsc-11361.8-omnibus-response.pdf"]
    mixed = [*files, {"path": "omnibus/omnibus-motion.pdf"}]  # one filing for both bases, as before
    for broken, expected in (
        (without_response, "0 entries omnibus/hsc-11361.8-omnibus-response.pdf, not exactly one"),
        (mixed, "omnibus/omnibus-motion.pdf: no omnibus filing of a basis its cases have"),
        ([*files, {"path": "cases/X1_D1/motion.pdf"}], "a per-case document in an omnibus filing"),
        ([*files, {"path": "letters/p-x.pdf"}], "letters/p-x.pdf: a letter in a filing, before any ruling"),
    ):
        problems = filing_rule(with_bundle(facts, "LA-CCB", files=broken))
        assert len(problems) == 1 and expected in problems[0], problems
    # Were the court's petition answered as an 11361.9 case, its 11361.8 filing would answer nobody.
    reviewed = [
        dataclasses.replace(d, basis="HSC 11361.9") if d.court_code == "LA-CCB" else d
        for d in facts.decisions
    ]
    problems = filing_rule(dataclasses.replace(facts, decisions=reviewed))
    assert len(problems) == 3 and all("omnibus/hsc-11361.8-" in p for p in problems), problems


def test_a_court_that_seals_its_exhibit_is_published_with_it_and_its_public_version(
    omnibus_copy: Copy,
) -> None:
    copy, court = omnibus_copy, "LA-CCB"
    copy.run("UPDATE court_batches SET state = 'publishing', owner = 'tok' WHERE court_code = :c", c=court)
    sealing = {"confidential_exhibit_courts": frozenset({court}), "public_exhibit_courts": frozenset({court})}
    settings = dataclasses.replace(Settings.from_env(), output_dir=copy.output, **sealing)
    publish(settings, copy.store, Renderer(settings), copy.batch_id, court, token="tok", renew=lambda: None)
    assert copy.violations() == []
    facts = copy.facts()
    bundle = facts.latest()[court]
    names = [item["path"] for item in bundle.manifest["files"] if "-exhibit-a-" in item["path"]]
    assert names == [
        "omnibus/hsc-11361.9-exhibit-a-part-001-confidential.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-001-public.pdf",
        "omnibus/hsc-11361.8-exhibit-a-part-001-confidential.pdf",
        "omnibus/hsc-11361.8-exhibit-a-part-001-public.pdf",
    ]
    decisions = [
        from_stored(payload) for _, payload in copy.store.batches.court_payloads(copy.batch_id, court)
    ]
    with zipfile.ZipFile(copy.output / bundle.path) as archive:
        text = {name: pdf_text_of(archive.read(name)) for name in names}
    for sealed, public in zip(names[::2], names[1::2], strict=True):
        listed = [d for d in decisions if d.case.number in text[sealed]]
        assert listed and all(d.case.number in text[public] for d in listed)
        assert all(d.person.cii in text[sealed] for d in listed if d.person.cii)
        assert not any(d.person.cii and d.person.cii in text[public] for d in listed)
        assert not any(d.person.dob.strftime("%m/%d/%Y") in text[public] for d in listed)
    # A public version without its sealed exhibit, or the full exhibit beside a sealed one, is reported.
    for kept in (names[1:], [*names, "omnibus/hsc-11361.9-exhibit-a-part-001.pdf"]):
        files = [item for item in bundle.manifest["files"] if "-exhibit-a-" not in item["path"]]
        problems = filing_rule(with_bundle(facts, court, files=files + [{"path": n} for n in kept]))
        assert len(problems) == 1 and "part 1 of the HSC 11361.9 Exhibit A in" in problems[0], problems


def pdf_text_of(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return reading_text(Path(file.name))


def test_a_per_case_filing_files_each_case_and_no_omnibus_filing(copy: Copy) -> None:
    facts = copy.facts()
    assert filing_rule(facts) == [] and outcome_rule(facts) == []
    files = facts.latest()["LA-CCB"].manifest["files"]
    names = [item["path"] for item in files]
    assert names[0] == "00-filing-index.pdf" and not [n for n in names if n.startswith("omnibus/")]
    assert {n.rsplit("/", 1)[-1] for n in names if n.startswith("cases/")} == {
        "motion.pdf",
        "motion.docx",
        "order.pdf",
        "order.docx",
    }
    omnibus_motion = [*files, {"path": "omnibus/hsc-11361.9-omnibus-motion.pdf"}]
    problems = filing_rule(with_bundle(facts, "LA-CCB", files=omnibus_motion))
    assert len(problems) == 1 and "no omnibus filing of a basis its cases have" in problems[0], problems


def test_documents_the_filing_mode_does_not_plan_or_lacks_are_reported(copy: Copy) -> None:
    facts = copy.facts()
    order = next(doc for doc in facts.documents if doc.kind == "order" and doc.format == "docx")
    without = dataclasses.replace(facts, documents=[doc for doc in facts.documents if doc is not order])
    assert outcome_rule(without) == [f"decision {order.subject}: no order.docx document"]
    as_omnibus = dataclasses.replace(facts, batch=dataclasses.replace(facts.batch, filing=FilingMode.OMNIBUS))
    problems = outcome_rule(as_omnibus)
    assert len(problems) == 4 * len(facts.decisions), problems
    assert all("is no document of an omnibus filing" in problem for problem in problems)


def test_a_final_bundle_without_an_approval_or_unlike_its_index_is_reported(copy: Copy) -> None:
    facts = copy.facts()
    assert facts.approved_courts == set() and approval_rule(facts) == []
    bundle = facts.latest()["LA-CCB"]
    final = dataclasses.replace(bundle, final=True)
    forged = dataclasses.replace(facts, bundles=[*(b for b in facts.bundles if b is not bundle), final])
    assert approval_rule(forged) == [
        f"bundle {bundle.path}: recorded as final, but no attorney approved the filing",
        f"bundle {bundle.path}: its filing index says final=False, the record not",
    ]
    approved = dataclasses.replace(forged, approved_courts={"LA-CCB"})
    assert approval_rule(approved) == [
        f"bundle {bundle.path}: its filing index says final=False, the record not"
    ]
