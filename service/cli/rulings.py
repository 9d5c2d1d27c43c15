"""Commands on what the court decided: ruling, the judge's signed order recorded for a court filing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.filings import os_user
from service.cli.main import cli_runtime, main

if TYPE_CHECKING:
    from service.pipeline.ruling import RecordedRuling


@main.command(short_help="Record the court's ruling on a court filing: the judge's signed order.")
@click.argument("batch_id")
@click.option(
    "--court", "court_code", metavar="CODE", required=True, help="the court whose filing was ruled on"
)
@click.option(
    "--signed-on",
    metavar="YYYY-MM-DD",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the day the judge signed the order (the order date)",
)
@click.option(
    "--order",
    metavar="SIGNED.pdf",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the signed order as scanned (a PDF), stored with its SHA-256",
)
@click.option("--judge", metavar="NAME", help="the judge who signed it")
@click.option(
    "--exceptions",
    metavar="FILE.csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="counts not granted as filed: CSV case_number,count,outcome[,note] (granted, denied, modified, "
    "not_found)",
)
@click.option(
    "--amend", is_flag=True, help="record an amended ruling, the next version, superseding the last"
)
def ruling(
    batch_id: str,
    court_code: str,
    signed_on: datetime,
    order: Path,
    judge: str | None,
    exceptions: Path | None,
    amend: bool,
) -> None:
    """Record the court's ruling on a court's filing of a batch, once its filing is final.

    Every count of the filing is granted as filed unless --exceptions names it. The signed order is
    copied beside the batch with its SHA-256, and a clerk import with every count's outcome and the
    order date is written beside it. Recording the same ruling again changes nothing; a different
    one is refused unless --amend, which records the next version, superseding the one before.
    Refused, naming the field or the CSV line: a filing not yet final, a date before the approval
    or in the future, an order that is not a PDF, a case or count not in the filing, an unknown
    outcome, a count named twice.
    """
    from service.pipeline.ruling import record_ruling

    recorded = record_ruling(
        cli_runtime(),
        batch_id,
        court_code,
        signed_on=signed_on.date(),
        order=order,
        judge=judge,
        exceptions=exceptions,
        amend=amend,
        actor=f"cli:{os_user()}",
    )
    for line in describe(recorded):
        click.echo(line)


def describe(recorded: RecordedRuling) -> list[str]:
    """Return the lines `courtdocs ruling` prints: what was recorded, its counts, its files."""
    row = recorded.row
    judge = f" by {row.judge}" if row.judge else ""
    what = (
        f"ruling v{row.version} of the {row.court_code} filing of batch {row.batch_id},"
        f" signed {row.signed_on.isoformat()}{judge}"
    )
    if not recorded.new:
        head = f"unchanged: {what}, was recorded before; nothing recorded now"
    elif row.supersedes_id is not None:
        head = f"amended: {what}, superseding v{row.version - 1}"
    else:
        head = f"recorded: {what}"
    counts = ", ".join(
        f"{number} {outcome.value.replace('_', ' ')}" for outcome, number in recorded.counts.items()
    )
    return [
        head,
        f"  counts: {counts}",
        f"  signed order: {row.order_path} (sha256 {row.order_sha256})",
        f"  clerk import: {row.clerk_import_path}",
    ]


@main.command("doj-report", short_help="Write the DOJ disposition report of a court's latest ruling.")
@click.argument("batch_id")
@click.option(
    "--court", "court_code", metavar="CODE", required=True, help="the court whose ruling is reported"
)
def doj_report(batch_id: str, court_code: str) -> None:
    """Write the DOJ disposition report (PC 13151, 13151.1) of the court's latest ruling.

    One row per case and count of the filing: CII, court, docket number, disposition, its date
    (the order date), the new level or status, and the reason a dismissal needs. Written as a CSV
    and a fixed-width file beside the ruling, in the columns of COURTDOCS_DOJ_MAPPING (the shipped
    mapping unless set; docs/doj-report.md). Prints the files and the day the report is due
    (30 days after the order). Refused for a court with no ruling yet.
    """
    from service.pipeline.doj import write_doj_report

    report = write_doj_report(cli_runtime(), batch_id, court_code)
    click.echo(f"DOJ report of ruling v{report.version} of the {court_code} filing of batch {batch_id}:")
    for written in (report.csv, report.fixed_width):
        click.echo(f"  {written.path} ({written.rows} rows, sha256 {written.sha256})")
    click.echo(f"  {report.deadline.describe()}")
