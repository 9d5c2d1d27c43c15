"""What a process needs to run the pipeline, built once per process: settings, database, Redis, renderer."""

from __future__ import annotations

from functools import cached_property

from redis import Redis
from rq import Queue

from service.files import ensure_dir
from service.queue import connect, make_queue
from service.render import Renderer
from service.settings import Settings, get_settings
from service.store import Store


class Runtime:
    """What a process needs to run jobs, built once per process: settings, database, Redis, renderer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        ensure_dir(settings.output_dir)
        self.store = Store(settings.effective_database_url)

    def close(self) -> None:
        """Release database connections and the Redis connection (if one was opened)."""
        self.store.dispose()
        if "redis" in self.__dict__:
            self.redis.close()

    @cached_property
    def redis(self) -> Redis:
        return connect(self.settings)

    @cached_property
    def queue(self) -> Queue:
        return make_queue(self.redis, self.settings)

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.settings)


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """Return this process's runtime, building it on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(get_settings())
    return _runtime


def use_runtime(value: Runtime | None) -> None:
    """Install the runtime jobs in this process use (workers and tests)."""
    global _runtime
    _runtime = value
