"""The courtdocs command line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from service.errors import CourtdocsError, InvalidInputError
from service.settings import get_settings

if TYPE_CHECKING:
    from service.pipeline.runtime import Runtime

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Court filings for mass cannabis-conviction relief (HSC 11361.8 / 11361.9)."""
    os.umask(0o077)  # every file and folder courtdocs creates is readable by its own user only


def or_exit(action: Callable[[], T]) -> T:
    """Run an action; print a CourtdocsError plainly and exit 1 instead of a traceback."""
    try:
        return action()
    except InvalidInputError as error:
        for field_error in error.errors:
            click.echo(str(field_error), err=True)
        sys.exit(1)
    except CourtdocsError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def cli_runtime(*, migrate: bool = True) -> Runtime:
    """Build the command's runtime with its database ready; exit 1 with the reason if it is not.

    migrate=False for a long-lived process (the worker), which never upgrades an existing schema.
    """
    from service.pipeline.runtime import Runtime

    rt = Runtime(get_settings())
    or_exit(lambda: prepare_cli_database(rt, migrate=migrate))
    return rt


def prepare_cli_database(rt: Runtime, *, migrate: bool = True) -> None:
    """Make the database ready for a command run by hand (submit, status, demo, users...).

    The embedded SQLite database is this installation's own file, so a command upgrades it: a fresh
    machine needs no setup step, and a newer courtdocs goes on with the old file. A database named
    by DATABASE_URL may be shared with running workers and web servers: an empty one is set up,
    an older one is left to its operator (`courtdocs db upgrade`) and the command refuses to run.
    """
    from service.db.migrate import prepare_database

    embedded = rt.settings.database_url is None
    prepare_database(rt.store.engine, upgrade_existing=migrate and embedded)
