"""What a process needs to run the pipeline, built once per process: settings, database, Redis, renderer."""

from __future__ import annotations

from functools import cached_property

from redis import Redis
from rq import Queue

from service.core.files import ensure_dir
from service.db.store import Store
from service.pipeline.queue import connect, make_queue
from service.render import Renderer
from service.settings import Settings


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
