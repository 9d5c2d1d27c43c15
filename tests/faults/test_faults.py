"""Faults with real processes, real Redis and a real database; `courtdocs check` after every one.

The promise under test is in docs/reliability.md. Each test breaks something mid-batch, lets the
service recover the way an operator would, and then runs `courtdocs check BATCH`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import signal
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from service.core.states import DocumentState
from service.core.validation import Record, read_records
from service.db.sql import now
from service.pipeline.submit import submit_file, submit_records
from tests.faults.fault_helpers import (
    FAST,
    PER_CASE,
    assert_check_passes,
    documents_done,
    documents_total,
    embedded_installation,
    hold_sqlite_lock,
    own_redis,
    submit,
    terminate_backends,
    wait_done,
    wait_published,
    workers_of,
)
from tests.pipeline_helpers import Pipeline, free_port, make_pipeline, wait_until
from tests.services import flushed_redis_url, reachable, require_services, temporary_postgres_database

pytestmark = pytest.mark.faults


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Pipeline]:
    with embedded_installation(tmp_path / "out") as installation:
        yield installation


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[Pipeline, str]]:
    """PostgreSQL and Redis (skipped without them, except in CI); yields the installation and database URL."""
    require_services()
    with temporary_postgres_database() as database_url, flushed_redis_url() as redis_url:
        installation = make_pipeline(tmp_path / "out", database_url=database_url, redis_url=redis_url, **FAST)
        yield installation, database_url
        installation.close()


def failed_documents(pipeline: Pipeline, batch_id: str) -> list[str]:
    return [
        f"{doc.subject}: {doc.last_error}" for doc, _ in pipeline.runtime().store.documents.failed(batch_id)
    ]


# -- workers stopped ---------------------------------------------------------------------


def test_sigterm_mid_batch_lets_the_worker_finish_its_job_and_loses_nothing(embedded: Pipeline) -> None:
    batch_id = submit(embedded, embedded.sample_file(16, courts=2, seed=21), *PER_CASE)
    total = documents_total(embedded, batch_id)
    with workers_of(embedded) as workers:
        worker = workers.start("--processes", "2")
        wait_done(embedded, batch_id, 0.3)
        started = time.monotonic()
        assert workers.signal(worker, signal.SIGTERM) == 0
        assert time.monotonic() - started < 60  # a warm shutdown: the current jobs, then out
        assert documents_done(embedded, batch_id) < total
        # It finished what it had taken: no document is left leased to a worker that is gone.
        store = embedded.runtime().store
        counts = store.documents.state_counts(batch_id).values()
        pending = sum(court.get(DocumentState.PENDING, 0) for court in counts)
        assert len(store.leases.pending_unleased(now())) == pending
        workers.start("--processes", "1")
        wait_published(embedded, batch_id)
    assert failed_documents(embedded, batch_id) == []
    assert_check_passes(embedded, batch_id)


def owned_publications(pipeline: Pipeline, batch_id: str) -> list[str]:
    """Return the courts whose publication a worker has taken and is building now."""
    courts = pipeline.runtime().store.publications.courts_of(batch_id)
    return [court.court_code for court in courts if court.owner is not None]


def test_a_publisher_killed_mid_omnibus_filing_is_taken_over_and_each_court_published_once(
    embedded: Pipeline,
) -> None:
    batch_id = submit(embedded, embedded.sample_file(60, courts=2, seed=30))  # omnibus: the default
    assert documents_total(embedded, batch_id) == 0  # its only jobs are the courts' publications
    with workers_of(embedded) as workers:
        worker = workers.start("--processes", "1")
        wait_until(lambda: owned_publications(embedded, batch_id) != [], 120, "a publication to start")
        workers.signal(worker, signal.SIGKILL)
        killed = owned_publications(embedded, batch_id)
        assert killed, "the publisher finished before it was killed"
        published = {
            bundle.court_code for bundle in embedded.runtime().store.publications.bundles_of(batch_id)
        }
        assert published.isdisjoint(killed)  # killed before it recorded its bundle
        workers.start("--processes", "1")  # takes the court over once the dead owner's lease lapses
        wait_published(embedded, batch_id)
    bundles = embedded.runtime().store.publications.bundles_of(batch_id)
    assert sorted((bundle.court_code, bundle.version) for bundle in bundles) == [
        ("LA-CCB", 1),
        ("LA-VNW", 1),
    ]  # the killed publisher recorded nothing: no version was skipped or written twice
    assert_check_passes(embedded, batch_id)


# -- Redis ---------------------------------------------------------------------------------


def test_redis_frozen_then_lost_then_back_the_workers_recover_on_their_own(tmp_path: Path) -> None:
    with own_redis() as redis:
        pipeline = make_pipeline(tmp_path / "out", redis_url=redis.url, **FAST)
        try:
            batch_id = submit(pipeline, pipeline.sample_file(16, courts=2, seed=22), *PER_CASE)
            with workers_of(pipeline) as workers:
                worker = workers.start("--processes", "2")
                wait_done(pipeline, batch_id, 0.15)
                redis.pause(4)  # stops answering, then answers again with everything still in it
                wait_done(pipeline, batch_id, 0.3)
                redis.stop()  # unreachable, and every queued job is lost with it
                time.sleep(6)
                assert worker.poll() is None, "the workers quit instead of waiting for Redis"
                redis.start()
                wait_published(pipeline, batch_id)
                assert worker.poll() is None
            assert failed_documents(pipeline, batch_id) == []
            assert_check_passes(pipeline, batch_id)
        finally:
            pipeline.close()


# -- the database ----------------------------------------------------------------------------


def test_sqlite_locked_for_seconds_mid_batch_makes_workers_wait_not_fail(embedded: Pipeline) -> None:
    batch_id = submit(embedded, embedded.sample_file(12, courts=2, seed=23), *PER_CASE)
    with workers_of(embedded) as workers:
        workers.start("--processes", "2")
        wait_done(embedded, batch_id, 0.25)
        hold_sqlite_lock(embedded.output / "courtdocs.sqlite3", seconds=6).join()
        assert documents_done(embedded, batch_id) < documents_total(embedded, batch_id)  # mid-batch
        wait_published(embedded, batch_id)
    assert failed_documents(embedded, batch_id) == []
    assert_check_passes(embedded, batch_id)


def test_postgres_connections_dropped_mid_batch_are_recovered(services: tuple[Pipeline, str]) -> None:
    pipeline, database_url = services
    pipeline.runtime().redis.ping()
    batch_id = submit(pipeline, pipeline.sample_file(12, courts=2, seed=24), *PER_CASE)
    dropped = 0
    with workers_of(pipeline) as workers:
        workers.start("--processes", "2")
        for fraction in (0.2, 0.4, 0.6):
            wait_done(pipeline, batch_id, fraction)
            dropped += terminate_backends(database_url)
        wait_published(pipeline, batch_id)
    assert dropped > 0
    assert_check_passes(pipeline, batch_id)


# -- a full disk -------------------------------------------------------------------------------


def no_files(pipeline: Pipeline, pattern: str) -> list[Path]:
    return list((pipeline.output / "batches").rglob(pattern))


def court_error(pipeline: Pipeline, batch_id: str) -> str:
    return " ".join(
        court.last_error or "" for court in pipeline.runtime().store.publications.courts_of(batch_id)
    )


def test_disk_full_while_writing_documents_fails_them_clearly_and_retry_completes_the_batch(
    services: tuple[Pipeline, str],
) -> None:
    pipeline, _ = services
    with workers_of(pipeline) as workers:
        full = workers.start_full(file_size_limit=12_288)  # DOCX (~11 KB) still fit, PDFs (13-15 KB) not
        batch_id = submit(pipeline, pipeline.sample_file(6, courts=1, seed=25), *PER_CASE)
        wait_until(
            lambda: pipeline.runtime().store.publications.court_finished(batch_id, "LA-CCB"),
            180,
            "attempts used up",
        )
        wait_until(lambda: "File too large" in court_error(pipeline, batch_id), 60, "a failed publication")
        failures = failed_documents(pipeline, batch_id)
        assert failures and all("gave up after 3 attempts" in f and "File too large" in f for f in failures)
        assert pipeline.runtime().store.publications.bundles_of(batch_id) == []  # nothing published
        assert no_files(pipeline, "*.zip") == [] and no_files(pipeline, ".tmp-*") == []
        workers.signal(full, signal.SIGTERM)
        # Space is back: retry the failed documents, and a worker finishes the batch.
        assert "queued again" in pipeline.courtdocs("retry", batch_id).stdout
        workers.start("--processes", "1")
        wait_published(pipeline, batch_id)
    assert failed_documents(pipeline, batch_id) == []
    assert_check_passes(pipeline, batch_id)


def test_disk_full_while_building_the_bundle_publishes_nothing_partial_and_recovers(
    services: tuple[Pipeline, str],
) -> None:
    pipeline, _ = services
    with workers_of(pipeline) as workers:
        full = workers.start_full(file_size_limit=300_000)  # every document fits, the bundle does not
        batch_id = submit(pipeline, pipeline.sample_file(6, courts=1, seed=26), *PER_CASE)
        wait_until(lambda: "File too large" in court_error(pipeline, batch_id), 180, "a failed publication")
        assert "cannot write the bundle" in court_error(pipeline, batch_id)
        status = pipeline.courtdocs("status", batch_id).stdout
        assert "last publication attempt failed: StorageUnavailableError: cannot write the bundle" in status
        assert pipeline.runtime().store.publications.bundles_of(batch_id) == []
        assert no_files(pipeline, "*.zip") == [] and no_files(pipeline, ".tmp-*") == []
        assert failed_documents(pipeline, batch_id) == []
        workers.signal(full, signal.SIGTERM)
        # Space is back: reconcile (at the worker's start) queues the publication again by itself.
        workers.start("--processes", "1")
        wait_published(pipeline, batch_id)
    assert_check_passes(pipeline, batch_id)


# -- a broken deployment -----------------------------------------------------------------------


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_broken_template_stops_workers_at_start_with_a_clear_message(
    embedded: Pipeline, tmp_path: Path, processes: str
) -> None:
    batch_id = submit(embedded, embedded.sample_file(4, courts=1, seed=27), *PER_CASE)
    good, broken = embedded.settings.templates_dir, tmp_path / "templates"
    shutil.copytree(good, broken)
    with (broken / "motion.html").open("a") as template:
        template.write("{% if %}\n")
    embedded.env["COURTDOCS_TEMPLATES_DIR"] = str(broken)
    result = embedded.courtdocs("worker", "--processes", processes, check=False, timeout=120)
    assert result.returncode != 0
    assert "template motion.html does not compile" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    docs = embedded.runtime().store.documents.of_court(batch_id, "LA-CCB")
    assert docs and all(doc.attempts == 0 for doc in docs)  # nothing tried
    embedded.env["COURTDOCS_TEMPLATES_DIR"] = str(good)
    embedded.courtdocs("worker", "--burst")
    assert_check_passes(embedded, batch_id)


# -- the same batch twice at once ----------------------------------------------------------------


@pytest.fixture(params=["embedded", "services"])
def installation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pipeline]:
    """An installation on the embedded defaults, or on PostgreSQL and Redis."""
    if request.param == "embedded":
        yield request.getfixturevalue("embedded")
    else:
        yield request.getfixturevalue("services")[0]


def test_the_same_batch_sent_at_once_over_http_and_from_the_cli_is_one_batch(installation: Pipeline) -> None:
    sample = installation.sample_file(800, courts=3, seed=28)
    with serving(installation) as submit_over_http:
        attempts = [lambda: submit_over_http(sample.read_bytes())] * 2 + [
            lambda: installation.courtdocs("submit", str(sample), check=False).stdout.strip()
        ] * 2
        barrier = threading.Barrier(len(attempts))
        with ThreadPoolExecutor(len(attempts)) as pool:
            batch_ids = list(pool.map(lambda attempt: (barrier.wait(), attempt())[1], attempts))
    rt = installation.runtime()
    assert len(set(batch_ids)) == 1 and batch_ids[0].startswith("b"), batch_ids
    assert [batch.id for batch in rt.store.batches.list_batches()] == batch_ids[:1]
    jobs = recorded_jobs(installation, batch_ids[0])
    assert len(jobs) == 3 and rt.queue.count == len(jobs)  # an omnibus batch: each court's publication, once


def recorded_jobs(pipeline: Pipeline, batch_id: str) -> set[str]:
    """Return the ids of the jobs recorded for a batch's documents and court publications."""
    store = pipeline.runtime().store
    courts = store.publications.courts_of(batch_id)
    documents = [
        doc.job_id for court in courts for doc in store.documents.of_court(batch_id, court.court_code)
    ]
    return {job_id for job_id in [*documents, *(court.job_id for court in courts)] if job_id is not None}


@contextlib.contextmanager
def serving(pipeline: Pipeline) -> Iterator[Callable[[bytes], str]]:
    """Run `courtdocs serve` for a submitter with a token; yield a function that submits a body."""
    pipeline.courtdocs("users", "add", "intake", "--role", "submitter", "--no-password")
    token = pipeline.courtdocs("tokens", "create", "intake").stdout.strip()
    port = free_port()
    server = pipeline.serve(port)

    def post(body: bytes) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/batches",
            data=body,
            method="POST",
            headers={"authorization": f"Bearer {token}", "content-type": "application/x-ndjson"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 202
            return str(json.loads(response.read())["batch_id"])

    try:
        wait_until(lambda: reachable("127.0.0.1", port), 60, "the web service to listen")
        yield post
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_submission_stored_by_another_while_this_one_validates_returns_that_batch(
    embedded: Pipeline,
) -> None:
    rt, sample = embedded.runtime(), embedded.sample_file(5, courts=1, seed=29)
    others: list[str] = []

    def records_while_another_submits() -> Iterator[Record]:
        yield from read_records(sample)
        others.append(submit_file(rt, sample).batch_id)  # the other one commits before this one checks

    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    mine = submit_records(rt, records_while_another_submits(), digest, source=sample.name)
    assert not mine.created and [mine.batch_id] == others
    assert len(rt.store.batches.list_batches()) == 1
