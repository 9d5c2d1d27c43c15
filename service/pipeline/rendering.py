"""Render a job's documents: claim them under a lease, call the renderer, record each outcome.

Jobs carry identifiers only (batch id, document ids), never personal data. A job leases its
documents in the database under a token of its own; only the holder of the lease records
results, so a duplicate job (after a reconcile race) does nothing.

Only transient faults (service.errors.is_transient: a full disk, a database that does not answer)
are tried again; any other fault fails the document at once with its reason.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta
from itertools import groupby

from rq.timeouts import BaseTimeoutException

from service.bundle.layout import document_path
from service.core.files import write_atomic
from service.core.kinds import DocumentKind, OutputFormat
from service.core.models import Decision, from_stored
from service.db.rows import DocumentRow, RenderedFile
from service.db.store import Store
from service.errors import MissingDecisionError, failure_reason, is_transient
from service.pipeline.dispatch import publish_when_finished
from service.pipeline.runtime import Runtime

log = logging.getLogger("courtdocs.rendering")


def render_with(rt: Runtime, batch_id: str, document_ids: Sequence[int]) -> dict[str, int]:
    """Render what this job can claim; a transient error frees only its own documents, raised at the end."""
    token = secrets.token_hex(8)
    lease = timedelta(seconds=rt.settings.render_lease)
    claimed = rt.store.leases.claim(document_ids, lease, token, rt.settings.job_retries)
    claimed.sort(key=lambda doc: (doc.kind, doc.subject, doc.id))
    outcome = {"rendered": 0, "failed": 0}
    transient: Exception | None = None
    freed: set[int] = set()  # documents a transient error gave back: never leased again by this job
    for (kind, subject), group in groupby(claimed, key=lambda doc: (doc.kind, doc.subject)):
        documents = list(group)
        try:
            result = _render_group(rt, batch_id, DocumentKind(kind), subject, documents, token)
            outcome[result] += len(documents)
        except Exception as error:
            if not is_transient(error):
                raise
            # Go on with the other documents: each one it took gets its own attempt and reason.
            transient = transient or error
            freed.update(doc.id for doc in documents)
        rt.store.leases.renew_lease([doc.id for doc in claimed if doc.id not in freed], lease, token)
    if transient is not None:
        raise transient
    courts = {doc.court_code for doc in claimed} or set(rt.store.documents.courts_of_documents(document_ids))
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
        html = rt.renderer.html(kind, decisions, signer=None)
        for doc in documents:
            rendered = rt.renderer.convert(html, OutputFormat(doc.format))
            path = document_path(batch_id, doc.court_code, doc.subject, kind, doc.format)
            write_atomic(rt.settings.output_dir / path, rendered.content)
            record = RenderedFile(
                sha256=hashlib.sha256(rendered.content).hexdigest(),
                bytes=len(rendered.content),
                pages=rendered.pages,
                path=path,
                language=rendered.language,
                notes="; ".join(rendered.notes),
            )
            rt.store.leases.mark_rendered(doc.id, record, token)
    except BaseTimeoutException:
        raise  # the job's time is up, not the document's fault: its lease lapses and reconcile queues it
    except Exception as error:
        if is_transient(error):
            # Freed and left pending: reconcile queues it again; the claim counts the attempts.
            rt.store.leases.record_error(ids, failure_reason(error), token)
            raise
        log.warning("batch %s %s %s failed: %s", batch_id, kind.value, subject, type(error).__name__)
        rt.store.leases.mark_failed(ids, failure_reason(error), token)
        return "failed"
    return "rendered"


def stored_decisions(store: Store, batch_id: str, kind: DocumentKind, subject: str) -> list[Decision]:
    """Return the decisions a document is rendered from: one, or a person's to notify for a letter."""
    if kind is DocumentKind.LETTER:
        payloads = store.batches.person_payloads(batch_id, subject)
    else:
        payloads = list(store.batches.decision_payloads(batch_id, [subject]).values())
    if not payloads:
        raise MissingDecisionError(f"batch {batch_id} has no decision for {kind.value} {subject}")
    decisions = [from_stored(payload) for payload in payloads]
    if kind is DocumentKind.LETTER:
        decisions = [decision for decision in decisions if decision.person.notify]
    return decisions
