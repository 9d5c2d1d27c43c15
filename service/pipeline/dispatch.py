"""Queue work and find work nobody holds: render jobs by chunk, publications, the reconcile sweep."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from itertools import groupby

from service.core.kinds import DocumentKind
from service.db.rows import DocumentRow
from service.db.sql import now
from service.pipeline.queue import JobSpec, enqueue_all, is_waiting, waiting_jobs
from service.pipeline.runtime import Runtime

RENDER_JOB = "service.worker.jobs.render_documents"  # the rq entry points, by dotted name
PUBLISH_JOB = "service.worker.jobs.publish_court"
RENDER_PREFIX, PUBLISH_PREFIX = "render", "publish"  # job ids are f"{prefix}-{batch_id}-..."


def enqueue_documents(rt: Runtime, documents: Sequence[DocumentRow]) -> int:
    """Queue render jobs for documents: one job per chunk of subjects; return the jobs queued."""
    specs = []
    ordered = sorted(documents, key=lambda d: (d.batch_id, d.id))
    for batch_id, in_batch in groupby(ordered, key=lambda d: d.batch_id):
        by_subject = [
            list(group)
            for _, group in groupby(in_batch, key=lambda d: (d.kind is DocumentKind.LETTER, d.subject))
        ]
        for start in range(0, len(by_subject), rt.settings.job_chunk):
            ids = [doc.id for group in by_subject[start : start + rt.settings.job_chunk] for doc in group]
            job_id = f"{RENDER_PREFIX}-{batch_id}-{ids[0]}-{secrets.token_hex(4)}"
            rt.store.documents.set_job(ids, job_id)
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
    job_ids = rt.store.leases.unheld_job_ids(current)
    waiting = waiting_jobs(rt.redis, [job_id for job_id in job_ids if job_id is not None])
    gone = [job_id for job_id in job_ids if job_id not in waiting]
    stale = rt.store.leases.pending_unleased(current, gone) if gone else []
    jobs = enqueue_documents(rt, stale) if stale else 0
    publications = 0
    for batch_id, court_code, state, job_id in rt.store.publications.stale(now()):
        if state == "publishing" and is_waiting(rt.redis, job_id):
            continue
        publications += publish_when_finished(rt, batch_id, court_code)
    return {"documents": len(stale), "render_jobs": jobs, "publish_jobs": publications}


def publish_when_finished(rt: Runtime, batch_id: str, court_code: str) -> int:
    """Queue the publication of a court batch once none of its documents is pending; return jobs queued."""
    if not rt.store.publications.court_finished(batch_id, court_code):
        return 0
    # A short hold: long enough for the job to start and take the publication over with its own lease.
    if not rt.store.publications.claim(batch_id, court_code, timedelta(seconds=rt.settings.render_lease)):
        return 0
    job_id = f"{PUBLISH_PREFIX}-{batch_id}-{court_code}-{secrets.token_hex(4)}"
    rt.store.publications.set_job(batch_id, court_code, job_id)
    enqueue_all(rt.queue, [JobSpec(PUBLISH_JOB, (batch_id, court_code), job_id, at_front=True)], rt.settings)
    return 1
