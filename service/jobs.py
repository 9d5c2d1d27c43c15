"""rq entry points and the bookkeeping around them: load by id, call the core, record the outcome.

Jobs carry identifiers only (batch id, document ids, court code), never personal data.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from itertools import groupby
from typing import Any

from redis import Redis
from rq import Queue
from sqlalchemy.exc import SQLAlchemyError

from service.errors import RenderError, StorageError
from service.files import ensure_dir, write_atomic
from service.models import Decision
from service.plan import PlannedDocument, document_path
from service.queue import JobSpec, connect, enqueue_all, is_waiting, make_queue
from service.render import DocumentKind, OutputFormat, Renderer
from service.settings import Settings, get_settings
from service.store import DocumentRow, RenderedFile, Store, now

log = logging.getLogger("courtdocs.jobs")

PUBLISH_LEASE = timedelta(minutes=30)  # how long a publication holds its court batch
RENDER_JOB = "service.jobs.render_documents"
PUBLISH_JOB = "service.jobs.publish_court"
TRANSIENT = (StorageError, SQLAlchemyError, OSError)


class Runtime:
    """What a process needs to run jobs, built once per process: settings, database, Redis, renderer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        ensure_dir(settings.output_dir)
        self.store = Store(settings.effective_database_url)

    def close(self) -> None:
        """Release database connections and the Redis connection (if one was opened)."""
        self.store.dispose()
        if "redis" in self.__dict__:
            self.redis.close()

    @cached_property
    def redis(self) -> Redis:
        return connect(self.settings)

    @cached_property
    def queue(self) -> Queue:
        return make_queue(self.redis, self.settings)

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.settings)


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """Return this process's runtime, building it on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime


def use_runtime(value: Runtime | None) -> None:
    """Install the runtime jobs in this process use (workers and tests)."""
    global _runtime
    _runtime = value


# -- rendering ---------------------------------------------------------------------------


def render_documents(batch_id: str, document_ids: list[int]) -> dict[str, int]:
    """rq job: render the given documents of a batch; documents already finished are skipped."""
    return render_with(runtime(), batch_id, document_ids)


def render_with(rt: Runtime, batch_id: str, document_ids: Sequence[int]) -> dict[str, int]:
    lease = timedelta(seconds=rt.settings.render_lease)
    claimed = sorted(rt.store.claim(document_ids, lease), key=lambda doc: (doc.kind, doc.subject, doc.id))
    outcome = {"rendered": 0, "failed": 0}
    for (kind, subject), group in groupby(claimed, key=lambda doc: (doc.kind, doc.subject)):
        documents = list(group)
        outcome[_render_group(rt, batch_id, DocumentKind(kind), subject, documents)] += len(documents)
        rt.store.renew_lease([doc.id for doc in claimed], lease)
    for court_code in sorted({doc.court_code for doc in claimed}):
        publish_when_finished(rt, batch_id, court_code)
    return outcome


def _render_group(
    rt: Runtime, batch_id: str, kind: DocumentKind, subject: str, documents: list[DocumentRow]
) -> str:
    """Render one document in each of its formats from a single HTML render; return the outcome."""
    ids = [doc.id for doc in documents]
    try:
        decisions = _decisions_for(rt.store, batch_id, kind, subject)
        html = rt.renderer.html(kind, decisions)
        for doc in documents:
            rendered = rt.renderer.convert(html, OutputFormat(doc.format))
            planned = PlannedDocument(doc.court_code, doc.subject, kind, OutputFormat(doc.format))
            path = document_path(batch_id, planned)
            write_atomic(rt.settings.output_dir / path, rendered.content)
            record = RenderedFile(
                sha256=hashlib.sha256(rendered.content).hexdigest(),
                bytes=len(rendered.content),
                pages=rendered.pages,
                path=path,
                language=rendered.language,
                notes="; ".join(rendered.notes),
            )
            rt.store.mark_rendered(doc.id, record)
    except RenderError as error:
        log.warning(
            "batch %s %s %s failed permanently: %s",
            batch_id,
            kind.value,
            subject,
            type(error).__name__,
        )
        rt.store.mark_failed(ids, f"{type(error).__name__}: {error}")
        return "failed"
    except TRANSIENT as error:
        reason = f"{type(error).__name__}: {error}"
        if max(doc.attempts for doc in documents) + 1 >= rt.settings.job_retries:
            rt.store.mark_failed(ids, f"gave up after {rt.settings.job_retries} attempts: {reason}")
            return "failed"
        rt.store.record_error(ids, reason)
        raise
    return "rendered"


def _decisions_for(store: Store, batch_id: str, kind: DocumentKind, subject: str) -> list[Decision]:
    if kind is DocumentKind.LETTER:
        payloads = store.person_payloads(batch_id, subject)
    else:
        payloads = list(store.decision_payloads(batch_id, [subject]).values())
    if not payloads:
        raise StorageError(f"batch {batch_id} has no decision for {kind.value} {subject}")
    return [Decision.model_validate_json(payload) for payload in payloads]


# -- enqueueing and reconciling ------------------------------------------------------------


def enqueue_documents(rt: Runtime, documents: Sequence[DocumentRow]) -> int:
    """Queue render jobs for documents: one job per chunk of subjects; return the jobs queued."""
    specs = []
    for batch_id, in_batch in groupby(
        sorted(documents, key=lambda d: (d.batch_id, d.id)), key=lambda d: d.batch_id
    ):
        by_subject = [
            list(group) for _, group in groupby(in_batch, key=lambda d: (d.kind == "letter", d.subject))
        ]
        for start in range(0, len(by_subject), rt.settings.job_chunk):
            ids = [doc.id for group in by_subject[start : start + rt.settings.job_chunk] for doc in group]
            job_id = f"render-{batch_id}-{ids[0]}-{secrets.token_hex(4)}"
            rt.store.set_job(ids, job_id)
            specs.append(JobSpec(RENDER_JOB, (batch_id, ids), job_id))
    enqueue_all(rt.queue, specs, rt.settings)
    return len(specs)


def reconcile(rt: Runtime) -> dict[str, int]:
    """Queue again every unfinished document and publication that no live job holds."""
    stale = [doc for doc in rt.store.pending_unleased(now()) if not is_waiting(rt.redis, doc.job_id)]
    jobs = enqueue_documents(rt, stale) if stale else 0
    publications = 0
    for batch_id, court_code in rt.store.stale_publications(now()):
        court = next(c for c in rt.store.courts_of(batch_id) if c["court_code"] == court_code)
        if court["state"] == "publishing" and is_waiting(rt.redis, court["job_id"]):
            continue
        publications += publish_when_finished(rt, batch_id, court_code)
    return {"documents": len(stale), "render_jobs": jobs, "publish_jobs": publications}


def publish_when_finished(rt: Runtime, batch_id: str, court_code: str) -> int:
    """Queue the publication of a court batch once none of its documents is pending; return jobs queued."""
    if not rt.store.court_finished(batch_id, court_code):
        return 0
    if not rt.store.claim_publication(batch_id, court_code, PUBLISH_LEASE):
        return 0
    job_id = f"publish-{batch_id}-{court_code}-{secrets.token_hex(4)}"
    rt.store.set_court_job(batch_id, court_code, job_id)
    enqueue_all(rt.queue, [JobSpec(PUBLISH_JOB, (batch_id, court_code), job_id, at_front=True)], rt.settings)
    return 1


# -- publishing ----------------------------------------------------------------------------


def publish_court(batch_id: str, court_code: str) -> dict[str, Any]:
    """rq job: build and publish the bundle of one court batch."""
    from service.publish import publish

    rt = runtime()
    try:
        return publish(rt.settings, rt.store, rt.renderer, batch_id, court_code)
    except BaseException:
        rt.store.release_publication(batch_id, court_code)
        raise
