"""The states a batch, a court batch and a document go through (stored as these strings)."""

from __future__ import annotations

from enum import StrEnum


class BatchState(StrEnum):
    """A batch renders until every court batch is published."""

    RENDERING = "rendering"
    PUBLISHED = "published"


class CourtState(StrEnum):
    """A court batch renders its documents, then one owner publishes its bundle."""

    RENDERING = "rendering"
    PUBLISHING = "publishing"
    PUBLISHED = "published"


class DocumentState(StrEnum):
    """A document waits to be rendered, then is rendered or has failed for good."""

    PENDING = "pending"
    RENDERED = "rendered"
    FAILED = "failed"
