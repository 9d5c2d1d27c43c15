"""Find the real services a test needs (Redis, PostgreSQL) or fall back to the embedded defaults."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Iterator

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_TEST_DBS = range(8, 16)  # Redis databases tests may take, one at a time each, flushed around use
REDIS_LOCK_SECONDS = 3600  # a test run that died frees its database after this long


def reachable(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def require_services() -> None:
    """Skip when Redis or PostgreSQL is absent, except in CI, where they must be there."""
    missing = [
        name
        for name, port in (("Redis", REDIS_PORT), ("PostgreSQL", 5432))
        if not reachable(REDIS_HOST, port)
    ]
    if missing and os.environ.get("CI"):
        pytest.fail(f"{' and '.join(missing)} not reachable on 127.0.0.1 in CI")
    if missing:
        pytest.skip(f"{' and '.join(missing)} not running; the embedded variant covers this machine")


@contextlib.contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """Create a throwaway PostgreSQL database and yield its URL; drop it afterwards."""
    import psycopg

    name = f"courtdocs_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def flushed_redis_url() -> Iterator[str]:
    """Yield the URL of a real Redis database that no other test run uses, empty at start and end.

    The lock lives in database 0, so two test runs on one machine never flush each other's queue.
    """
    from redis import Redis

    token = secrets.token_hex(8)
    locks = Redis.from_url(f"redis://{REDIS_HOST}:{REDIS_PORT}/0")
    database = next(
        (
            n
            for n in REDIS_TEST_DBS
            if locks.set(f"courtdocs-test-db-{n}", token, nx=True, ex=REDIS_LOCK_SECONDS)
        ),
        None,
    )
    if database is None:
        locks.close()
        pytest.fail("every Redis test database is taken by other test runs")
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{database}"
    client = Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
        if locks.get(f"courtdocs-test-db-{database}") == token.encode():
            locks.delete(f"courtdocs-test-db-{database}")
        locks.close()
