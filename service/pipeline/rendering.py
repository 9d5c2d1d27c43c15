"""Render a job's documents: claim them under a lease, call the renderer, record each outcome.

Jobs carry identifiers only (batch id, document ids), never personal data. A job leases its
documents in the database under a token of its own; only the holder of the lease records
results, so a duplicate job (after a reconcile race) does nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta
from itertools import groupby

from service.bundle.layout import document_path
from service.core.files import write_atomic
from service.core.kinds import DocumentKind, OutputFormat
from service.core.models import Decision, from_stored
from service.db.store import DocumentRow, RenderedFile, Store
from service.errors import RenderError, StorageError
from service.pipeline.dispatch import TRANSIENT, publish_when_finished
from service.pipeline.runtime import Runtime

log = logging.getLogger("courtdocs.rendering")


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
