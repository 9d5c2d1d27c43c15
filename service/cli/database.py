"""Commands on the database's schema: `courtdocs db upgrade` and `courtdocs db current`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy import Engine

from service.cli.main import main
from service.settings import get_settings

T = TypeVar("T")


@main.group()
def db() -> None:
    """The database's schema: upgrade it to this courtdocs, or show its revision."""


@db.command()
def upgrade() -> None:
    """Bring the database to this courtdocs's revision (the operator's step after an install)."""
    from service.db.migrate import upgrade as upgrade_database

    done = _on_engine(upgrade_database)
    if done.adopted:
        click.echo(f"adopted a database made before migrations at revision {done.before}")
    if done.before == done.after:
        click.echo(f"the database is at revision {done.after} already")
    else:
        click.echo(f"upgraded the database from revision {done.before or 'none (empty)'} to {done.after}")


@db.command()
def current() -> None:
    """Print the database's revision; exit 1, saying why, unless it is the one this courtdocs needs."""
    from service.db.migrate import current_revision, require_current

    click.echo(_on_engine(current_revision) or "none")
    _on_engine(require_current)


def _on_engine(action: Callable[[Engine], T]) -> T:
    """Run a function of the engine on the configured database, then release it."""
    from service.pipeline.runtime import Runtime

    rt = Runtime(get_settings())
    try:
        return action(rt.store.engine)
    finally:
        rt.close()
