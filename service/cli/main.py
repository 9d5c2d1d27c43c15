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


def cli_runtime() -> Runtime:
    from service.pipeline.runtime import Runtime

    rt = Runtime(get_settings())
    rt.store.create_schema()
    return rt
