"""The obvious implementation, kept as the benchmark's baseline (issue 5); not used by the service.

One rq job per document, run by rq's default forking `Worker` (each job in a fresh work horse, so
the job's module and WeasyPrint are imported again per job), and each render setting up templates,
fonts and the stylesheet from scratch. Bookkeeping and publication are the service's own, so the
difference measured is the job design and process model, not the documents.

It renders the rows of the documents table, which only a per-case batch has (a motion and an
order per decision, PDF and DOCX: 4 documents a decision; letters are not part of a filing): the
benchmark submits the batch filed per case (bench/common.py, COMPARED_FILING). An omnibus batch
has no rows there and is not something this baseline can render.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from rq import Queue, Worker
from rq.job import Job

from service.settings import Settings

BASELINE_JOB = "bench.baseline.render_one_document"
BASELINE_WORKER = "bench.baseline.BaselineWorker"


class BaselineWorker(Worker):
    """rq's default forking Worker (what `rq worker` runs), able to run the service's publish job.

    The service's jobs read a runtime their worker installs once per process; here each work
    horse that runs one installs its own, as a fresh process has to.
    """

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        if job.func_name != BASELINE_JOB:
            from service.pipeline.runtime import Runtime
            from service.worker.jobs import use_runtime

            use_runtime(Runtime(Settings.from_env()))
        super().main_work_horse(job, queue)


def render_one_document(batch_id: str, document_id: int) -> dict[str, Any]:
    """rq job: render one document with a renderer built for it alone; publish when the court is done."""
    from datetime import timedelta

    from service.bundle.layout import document_path
    from service.core.files import write_atomic
    from service.db.rows import RenderedFile
    from service.pipeline.dispatch import publish_when_finished
    from service.pipeline.rendering import stored_decisions
    from service.pipeline.runtime import Runtime
    from service.render import DocumentKind, OutputFormat, Renderer

    rt = Runtime(Settings.from_env())
    token = secrets.token_hex(8)
    claimed = rt.store.leases.claim([document_id], timedelta(seconds=600), token, max_attempts=3)
    for doc in claimed:
        renderer = Renderer(rt.settings)  # templates, fonts and stylesheet set up for every render
        kind, output_format = DocumentKind(doc.kind), OutputFormat(doc.format)
        rendered = renderer.render(
            kind, stored_decisions(rt.store, batch_id, kind, doc.subject), output_format
        )
        path = document_path(batch_id, doc.court_code, doc.subject, kind, output_format)
        write_atomic(rt.settings.output_dir / path, rendered.content)
        digest = hashlib.sha256(rendered.content).hexdigest()
        record = RenderedFile(digest, len(rendered.content), rendered.pages, path, rendered.language, "")
        rt.store.leases.mark_rendered(doc.id, record, token)
        publish_when_finished(rt, batch_id, doc.court_code)
    rt.close()
    return {"rendered": len(claimed)}


def enqueue_one_job_per_document(settings: Settings, batch_id: str) -> int:
    """Queue a job for every pending document of a per-case batch; return how many.

    An omnibus batch has none: nothing would ever publish it, so it is refused.
    """
    from service.pipeline.queue import JobSpec, enqueue_all
    from service.pipeline.runtime import Runtime

    rt = Runtime(settings)
    specs = [
        JobSpec(BASELINE_JOB, (batch_id, doc.id), f"baseline-{batch_id}-{doc.id}")
        for court in rt.store.publications.courts_of(batch_id)
        for doc in rt.store.documents.of_court(batch_id, court.court_code)
    ]
    if not specs:
        raise RuntimeError(f"batch {batch_id} has no documents: the baseline renders per-case batches")
    enqueue_all(rt.queue, specs, settings)
    return len(specs)
