"""The courtdocs command line: the group every command joins, and the one map from errors to exit codes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from service.errors import (
    ConflictError,
    CourtdocsError,
    InvalidInputError,
    InvalidRequestError,
    NotFoundError,
    RenderError,
    SchemaError,
    SettingsError,
    is_transient,
)
from service.settings import get_settings

if TYPE_CHECKING:
    from service.pipeline.runtime import Runtime

EXIT_INVALID = (
    1  # invalid input, settings or schema, a document that cannot be rendered; check found problems
)
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4  # contradicts an earlier request, or the batch is busy: try again once it is not
EXIT_INTERNAL = 70  # EX_SOFTWARE: any other error of ours
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL: the disk, the database or Redis is unavailable; try again later
# The one map from the error tree to exit codes: the first class of an error's MRO found here decides.
EXIT_CODES: dict[type[CourtdocsError], int] = {
    InvalidRequestError: EXIT_INVALID,
    SettingsError: EXIT_INVALID,
    SchemaError: EXIT_INVALID,
    RenderError: EXIT_INVALID,
    NotFoundError: EXIT_NOT_FOUND,
    ConflictError: EXIT_CONFLICT,
}
EPILOG = f"""\b
Exit status:
  0   done
  {EXIT_INVALID}   invalid input or settings, a database schema to upgrade, or check/verify/validate
      found a problem
  2   wrong usage (an unknown option, a missing argument)
  {EXIT_NOT_FOUND}   no such batch, bundle, decision, user or token
  {EXIT_CONFLICT}   a conflict: the batch is busy or unfinished, or a key was reused
  {EXIT_INTERNAL}  an internal error
  {EXIT_TEMPFAIL}  the disk, the database or Redis is unavailable: try again later
"""


class ErrorMappingGroup(click.Group):
    """A click group that ends any of its commands' expected errors with one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CourtdocsError as error:
            report(error)
            ctx.exit(exit_code(error))
        except Exception as error:
            if not is_transient(error):
                raise  # a bug: its traceback is what a maintainer needs
            click.echo(
                f"error: unavailable, try again later: {type(error).__name__}: {_first_line(error)}", err=True
            )
            ctx.exit(EXIT_TEMPFAIL)


def exit_code(error: CourtdocsError) -> int:
    """Return the exit code of an error of ours: EXIT_CODES, else 75 if transient, else 70."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_TEMPFAIL if error.transient else EXIT_INTERNAL


def report(error: CourtdocsError) -> None:
    """Print an error as one line, and an input file's field errors one per line after it."""
    if isinstance(error, InvalidInputError):
        click.echo(f"error: {len(error.errors)} invalid field(s):", err=True)
        for field_error in error.errors:
            click.echo(str(field_error), err=True)
        return
    click.echo(f"error: {_first_line(error)}", err=True)


def _first_line(error: Exception) -> str:
    """Return the first line of an error's message (a wrapped database error goes on with its SQL)."""
    return next(iter(str(error).splitlines()), "")


@click.group(cls=ErrorMappingGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
def main() -> None:
    """Court filings for mass cannabis-conviction relief (HSC 11361.8 / 11361.9)."""
    os.umask(0o077)  # every file and folder courtdocs creates is readable by its own user only


def cli_runtime(*, migrate: bool = True) -> Runtime:
    """Build the command's runtime with its database ready; exit 1 with the reason if it is not.

    migrate=False for a long-lived process (the worker), which never upgrades an existing schema.
    """
    from service.pipeline.runtime import Runtime

    rt = Runtime(get_settings())
    prepare_cli_database(rt, migrate=migrate)
    return rt


def prepare_cli_database(rt: Runtime, *, migrate: bool = True) -> None:
    """Make the database ready for a command run by hand (submit, status, demo, users...).

    The embedded SQLite database is this installation's own file, so a command upgrades it: a fresh
    machine needs no setup step, and a newer courtdocs goes on with the old file. A database named
    by DATABASE_URL may be shared with running workers and web servers: an empty one is set up,
    an older one is left to its operator (`courtdocs db upgrade`) and the command refuses to run.
    """
    from service.db.ready import prepare_database

    embedded = rt.settings.database_url is None
    prepare_database(rt.store.engine, upgrade_existing=migrate and embedded)
