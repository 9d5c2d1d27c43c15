"""The Redis connection: redis-py's Retry rides out a blip; the worker's probe asks once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from service.pipeline.queue import BACKOFF, RETRIES, answers, connect, shutdown_embedded
from service.settings import Settings
from tests.pipeline_helpers import free_port


def settings_for(folder: Path, **env: str) -> Settings:
    return Settings.from_env({"COURTDOCS_OUTPUT_DIR": str(folder), **env})


def test_a_command_retries_a_refused_connection_with_backoff_before_it_fails(tmp_path: Path) -> None:
    connection = connect(settings_for(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    backoff = sum(BACKOFF.compute(failures) for failures in range(1, RETRIES + 1))
    started = time.monotonic()
    with pytest.raises(RedisConnectionError):
        connection.ping()
    assert backoff <= time.monotonic() - started < backoff + 10


def test_the_workers_probe_asks_once(tmp_path: Path) -> None:
    connection = connect(settings_for(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    started = time.monotonic()
    assert not answers(connection)
    assert time.monotonic() - started < BACKOFF.compute(1)  # no retry, no backoff


def test_the_embedded_redis_retries_too_and_the_probe_sees_it_stop(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    connection = connect(settings)
    try:
        assert connection.get_retry().get_retries() == RETRIES
        assert answers(connection)
    finally:
        shutdown_embedded(connection, settings)
    assert not answers(connection)
    connection.close()
