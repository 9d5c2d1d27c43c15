"""`courtdocs import gogen`: decisions from the tools prosecutors already use (docs/import.md)."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.main import cli_runtime, main
from service.core.filing import FilingMode
from service.errors import InvalidRequestError
from service.importing.office import read_office
from service.importing.run import import_gogen
from service.importing.tables import ENCODINGS

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@main.group(name="import")
def import_group() -> None:
    """Turn an upstream eligibility tool's files into decision/v1 (docs/import.md)."""


@import_group.command()
@click.argument("results", type=_FILE)
@click.option(
    "--contacts", type=_FILE, required=True, help="the office's contact file (.csv or .xlsx), one row per CII"
)
@click.option(
    "--office", "office_file", type=_FILE, required=True, help="OFFICE.toml: agency, attorney, courts"
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("decisions.jsonl"),
    show_default=True,
    help="the decision/v1 JSON Lines to write; the review report goes beside it (NAME.review.csv)",
)
@click.option(
    "--encoding",
    type=click.Choice(list(ENCODINGS)),
    default="utf-8",
    show_default=True,
    help="of both .csv files: utf-8 (a BOM is allowed) or windows-1252 (Excel's 'CSV' on Windows); "
    ".xlsx files need none",
)
@click.option("--submit", is_flag=True, help="submit the decisions as a batch once imported")
@click.option(
    "--filing",
    type=click.Choice([mode.value for mode in FilingMode]),
    help="with --submit: omnibus (the default) or per-case, as `courtdocs submit --filing`",
)
def gogen(
    results: Path,
    contacts: Path,
    office_file: Path,
    out: Path,
    encoding: str,
    submit: bool,
    filing: str | None,
) -> None:
    """Import gogen's Prop64_Results (or All_Results) with the office's contacts.

    RESULTS is gogen's .csv as it writes it, or the office's .xlsx copy of it. Every row that does
    not become a decision is in the review report with its reason; the counts per reason are printed.
    """
    if filing and not submit:
        raise InvalidRequestError("--filing says how to file a submitted batch: add --submit")
    summary = import_gogen(results, contacts, read_office(office_file), out, encoding=encoding)
    for line in summary.lines():
        click.echo(line)
    if not submit:
        return
    if not summary.decisions:
        raise InvalidRequestError("nothing to submit: no row became a decision (see the review report)")
    from service.pipeline.submit import submit_file

    mode = FilingMode(filing or FilingMode.OMNIBUS.value)
    result = submit_file(cli_runtime(), out, filing=mode)
    state = "submitted" if result.created else "submitted before; nothing new queued"
    click.echo(f"batch {result.batch_id}: {result.decisions} decision(s) {state}, filed {mode.value}")
