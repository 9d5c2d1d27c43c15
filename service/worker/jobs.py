"""The rq entry points: thin functions that take identifiers and hand them to the pipeline.

rq calls a job by its dotted name in a worker process, so the process's runtime (settings,
database, Redis, renderer) is installed here once by the worker (`use_runtime`) and read by
each job; every layer below takes it as an argument.
"""

from __future__ import annotations

from typing import Any

from service.pipeline.publish import publish_as_owner
from service.pipeline.rendering import render_with
from service.pipeline.runtime import Runtime

_runtime: Runtime | None = None


def use_runtime(value: Runtime | None) -> None:
    """Install the runtime the jobs of this process use (workers and tests)."""
    global _runtime
    _runtime = value


def current_runtime() -> Runtime:
    """Return this process's runtime; a worker installs it before it takes any job."""
    if _runtime is None:
        raise RuntimeError("no runtime installed in this process: start it with `courtdocs worker`")
    return _runtime


def render_documents(batch_id: str, document_ids: list[int]) -> dict[str, int]:
    """rq job: render the given documents of a batch; documents already finished are skipped."""
    return render_with(current_runtime(), batch_id, document_ids)


def publish_court(batch_id: str, court_code: str) -> dict[str, Any]:
    """rq job: build and publish the bundle of one court batch, as its one owner."""
    return publish_as_owner(current_runtime(), batch_id, court_code)
