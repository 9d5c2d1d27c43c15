"""Delete a batch for retention: its database rows, its folder under output/batches/, its queued jobs."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from service.bundle.layout import batch_folder
from service.core.states import BatchState
from service.errors import NotFoundError, UnfinishedBatchError
from service.pipeline.dispatch import PUBLISH_PREFIX, RENDER_PREFIX
from service.pipeline.runtime import Runtime

JOB_PREFIXES = (RENDER_PREFIX, PUBLISH_PREFIX)  # the batch's jobs, as dispatch.py names them


@dataclass(frozen=True)
class Deletion:
    """What deleting a batch removed."""

    batch_id: str
    rows: dict[str, int] = field(default_factory=dict)  # rows deleted per table
    folder_removed: bool = False
    jobs_removed: int = 0
    warnings: list[str] = field(default_factory=list)


def delete_batch(rt: Runtime, batch_id: str, *, force: bool = False) -> Deletion:
    """Delete every row, file and queued job of a batch; refuse an unfinished one unless forced.

    Rows go first, in one transaction, so nobody finds a batch whose files are half gone; running
    it again after an interruption removes what is left of the folder.
    """
    folder = rt.settings.output_dir / batch_folder(batch_id)
    batch = rt.store.batches.batch(batch_id)
    if batch is None and not folder.exists():
        raise NotFoundError(f"no batch {batch_id}")
    if batch is not None and batch.state is not BatchState.PUBLISHED and not force:
        raise UnfinishedBatchError(
            f"batch {batch_id} is still {batch.state}; wait until it is published, "
            "or stop the workers and use --force"
        )
    rows = rt.store.batches.delete_batch(batch_id) if batch is not None else {}
    if folder.exists():
        shutil.rmtree(folder)
    jobs, warnings = _remove_jobs(rt.redis, batch_id)
    return Deletion(batch_id, rows, folder.exists() is False, jobs, warnings)


def _remove_jobs(connection: Redis, batch_id: str) -> tuple[int, list[str]]:
    """Delete the batch's jobs from the queue and rq's registries; best effort (they hold ids only)."""
    removed = 0
    try:
        for prefix in JOB_PREFIXES:
            for key in connection.scan_iter(match=f"rq:job:{prefix}-{batch_id}-*", count=1000):
                job_id = key.decode().removeprefix("rq:job:")
                if ":" in job_id:  # a sub-key (dependents), removed with its job
                    continue
                with contextlib.suppress(NoSuchJobError):  # expired since the scan
                    Job.fetch(job_id, connection=connection, serializer=JSONSerializer).delete()
                connection.delete(f"rq:results:{job_id}")
                removed += 1
    except RedisError as error:
        return removed, [f"queued jobs not removed, Redis unreachable ({type(error).__name__})"]
    return removed, []


def describe(deletion: Deletion) -> list[str]:
    """Return the lines `courtdocs delete` prints."""
    rows = ", ".join(f"{count} {table}" for table, count in deletion.rows.items() if count)
    lines = [
        f"deleted batch {deletion.batch_id}: {rows or 'no rows left'}; "
        f"folder {'removed' if deletion.folder_removed else 'NOT removed'}; "
        f"{deletion.jobs_removed} queued job record(s) removed"
    ]
    return lines + [f"warning: {warning}" for warning in deletion.warnings]
