"""Retry a batch's failed documents: make them pending again and queue them; publication follows."""

from __future__ import annotations

from dataclasses import dataclass

from service.core.states import DocumentState
from service.errors import NotFoundError
from service.pipeline.dispatch import enqueue_documents, publish_when_finished
from service.pipeline.runtime import Runtime


@dataclass(frozen=True)
class Retry:
    """What a retry queued."""

    documents: int
    jobs: int


def retry_failed(rt: Runtime, batch_id: str) -> Retry:
    """Reset every failed document of a batch to pending and queue it; each court publishes anew."""
    if rt.store.batches.batch(batch_id) is None:
        raise NotFoundError(f"no batch {batch_id}")
    courts = rt.store.leases.reset_failed(batch_id)
    pending = [
        doc
        for court in courts
        for doc in rt.store.documents.of_court(batch_id, court)
        if doc.state is DocumentState.PENDING
    ]
    jobs = enqueue_documents(rt, pending)
    for court in courts:  # a court with nothing left to render (an omnibus filing) publishes now
        jobs += publish_when_finished(rt, batch_id, court)
    return Retry(len(pending), jobs)
