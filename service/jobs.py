"""rq entry points and the bookkeeping around them: load by id, call the core, record the outcome.

Jobs carry identifiers only (batch id, document ids, court code), never personal data. A job
leases its documents in the database under a token of its own; only the holder of the lease
records results, so a duplicate job (after a reconcile race) does nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta
from itertools import groupby
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from service.errors import CourtdocsError, RenderError, StorageError
from service.files import write_atomic
from service.models import Decision, from_stored
from service.plan import PlannedDocument, document_path
from service.queue import JobSpec, enqueue_all, is_waiting, waiting_jobs
from service.render import DocumentKind, OutputFormat
from service.runtime import Runtime, runtime
from service.store import DocumentRow, RenderedFile, Store, now

log = logging.getLogger("courtdocs.jobs")

PUBLISH_LEASE = timedelta(minutes=10)  # how long a publication holds its court batch between renewals
RENDER_JOB = "service.jobs.render_documents"
PUBLISH_JOB = "service.jobs.publish_court"
TRANSIENT = (StorageError, SQLAlchemyError, OSError)


# -- rendering ---------------------------------------------------------------------------


def render_documents(batch_id: str, document_ids: list[int]) -> dict[str, int]:
    """rq job: render the given documents of a batch; documents already finished are skipped."""
    return render_with(runtime(), batch_id, document_ids)


def render_with(rt: Runtime, batch_id: str, document_ids: Sequence[int]) -> dict[str, int]:
    """Render what this job can claim; a transient error frees only its own documents, raised at the end."""
    token = secrets.token_hex(8)
    lease = timedelta(seconds=rt.settings.render_lease)
    claimed = rt.store.claim(document_ids, lease, token, rt.settings.job_retries)
    claimed.sort(key=lambda doc: (doc.kind, doc.subject, doc.id))
    outcome = {"rendered": 0, "failed": 0}
    transient: Exception | None = None
    for (kind, subject), group in groupby(claimed, key=lambda doc: (doc.kind, doc.subject)):
        documents = list(group)
        try:
            result = _render_group(rt, batch_id, DocumentKind(kind), subject, documents, token)
            outcome[result] += len(documents)
        except TRANSIENT as error:
            # Go on with the other documents: each one it took gets its own attempt and reason.
            transient = transient or error
        rt.store.renew_lease([doc.id for doc in claimed], lease, token)
    if transient is not None:
        raise transient
    courts = {doc.court_code for doc in claimed} or set(rt.store.courts_of_documents(document_ids))
    for court_code in sorted(courts):
        publish_when_finished(rt, batch_id, court_code)
    return outcome


def _render_group(
    rt: Runtime, batch_id: str, kind: DocumentKind, subject: str, documents: list[DocumentRow], token: str
) -> str:
    """Render one document in each of its formats from a single HTML render; return the outcome."""
    ids = [doc.id for doc in documents]
    try:
        decisions = stored_decisions(rt.store, batch_id, kind, subject)
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
            rt.store.mark_rendered(doc.id, record, token)
    except RenderError as error:
        log.warning("batch %s %s %s failed: %s", batch_id, kind.value, subject, type(error).__name__)
        rt.store.mark_failed(ids, f"{type(error).__name__}: {error}", token)
        return "failed"
    except TRANSIENT as error:
        # Freed and left pending: reconcile queues it again; the claim counts the attempts.
        rt.store.record_error(ids, f"{type(error).__name__}: {error}", token)
        raise
    return "rendered"


def stored_decisions(store: Store, batch_id: str, kind: DocumentKind, subject: str) -> list[Decision]:
    """Return the decisions a document is rendered from: one, or a person's to notify for a letter."""
    if kind is DocumentKind.LETTER:
        payloads = store.person_payloads(batch_id, subject)
    else:
        payloads = list(store.decision_payloads(batch_id, [subject]).values())
    if not payloads:
        raise StorageError(f"batch {batch_id} has no decision for {kind.value} {subject}")
    decisions = [from_stored(payload) for payload in payloads]
    if kind is DocumentKind.LETTER:
        decisions = [decision for decision in decisions if decision.person.notify]
    return decisions


# -- enqueueing and reconciling ------------------------------------------------------------


def enqueue_documents(rt: Runtime, documents: Sequence[DocumentRow]) -> int:
    """Queue render jobs for documents: one job per chunk of subjects; return the jobs queued."""
    specs = []
    ordered = sorted(documents, key=lambda d: (d.batch_id, d.id))
    for batch_id, in_batch in groupby(ordered, key=lambda d: d.batch_id):
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
    """Queue again every unfinished document and publication that no live job holds.

    Asks the database for the jobs of unheld documents and Redis for their states, then loads
    only the documents of jobs that are gone: every worker runs this every 20 s, so it must not
    read every pending document of a 58,000-decision batch each time.
    """
    current = now()
    job_ids = rt.store.unheld_job_ids(current)
    waiting = waiting_jobs(rt.redis, [job_id for job_id in job_ids if job_id is not None])
    gone = [job_id for job_id in job_ids if job_id not in waiting]
    stale = rt.store.pending_unleased(current, gone) if gone else []
    jobs = enqueue_documents(rt, stale) if stale else 0
    publications = 0
    for batch_id, court_code, state, job_id in rt.store.stale_publications(now()):
        if state == "publishing" and is_waiting(rt.redis, job_id):
            continue
        publications += publish_when_finished(rt, batch_id, court_code)
    return {"documents": len(stale), "render_jobs": jobs, "publish_jobs": publications}


def publish_when_finished(rt: Runtime, batch_id: str, court_code: str) -> int:
    """Queue the publication of a court batch once none of its documents is pending; return jobs queued."""
    if not rt.store.court_finished(batch_id, court_code):
        return 0
    # A short hold: long enough for the job to start and take the publication over with its own lease.
    if not rt.store.claim_publication(batch_id, court_code, timedelta(seconds=rt.settings.render_lease)):
        return 0
    job_id = f"publish-{batch_id}-{court_code}-{secrets.token_hex(4)}"
    rt.store.set_court_job(batch_id, court_code, job_id)
    enqueue_all(rt.queue, [JobSpec(PUBLISH_JOB, (batch_id, court_code), job_id, at_front=True)], rt.settings)
    return 1


# -- publishing ----------------------------------------------------------------------------


def publish_court(batch_id: str, court_code: str) -> dict[str, Any]:
    """rq job: build and publish the bundle of one court batch, as its one owner."""
    from service.publish import publish

    rt = runtime()
    token = secrets.token_hex(8)
    if not rt.store.take_publication(batch_id, court_code, PUBLISH_LEASE, token):
        return {"batch_id": batch_id, "court": court_code, "published": False, "reason": "owned elsewhere"}

    def renew() -> None:
        if not rt.store.take_publication(batch_id, court_code, PUBLISH_LEASE, token):
            raise StorageError(f"publication of {batch_id}/{court_code} was taken over")

    try:
        return publish(rt.settings, rt.store, rt.renderer, batch_id, court_code, token=token, renew=renew)
    except BaseException as error:
        reason = failure_reason(error)
        log.warning("publication of batch %s court %s failed: %s", batch_id, court_code, reason)
        rt.store.release_publication(batch_id, court_code, token, reason)
        raise


def failure_reason(error: BaseException) -> str:
    """Return why an attempt failed in words safe to store and log: our messages carry identifiers only.

    Other libraries' messages may quote a decision's values (pydantic does), so only their type is kept.
    """
    if isinstance(error, CourtdocsError | OSError | SQLAlchemyError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__
