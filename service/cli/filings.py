"""Commands on court filings: approve, the attorney's signature that makes a filing final."""

from __future__ import annotations

import getpass

import click

from service.cli.main import cli_runtime, main


@main.command(short_help="Approve court filings of a batch: signed, published final.")
@click.argument("batch_id")
@click.option(
    "--court", "courts", metavar="CODE", multiple=True, help="approve this court's filing (repeatable)"
)
@click.option("--all", "every_court", is_flag=True, help="approve the filing of every court of the batch")
@click.option(
    "--name", metavar="NAME", required=True, help="the attorney who signs, as it appears on the filing"
)
@click.option("--title", metavar="TITLE", required=True, help='their title, e.g. "Deputy District Attorney"')
@click.option(
    "--bar", "bar_number", metavar="NUMBER", required=True, help="their State Bar number (1 to 7 digits)"
)
@click.option("--email", metavar="EMAIL", help="their email address, printed under the signature")
def approve(
    batch_id: str,
    courts: tuple[str, ...],
    every_court: bool,
    name: str,
    title: str,
    bar_number: str,
    email: str | None,
) -> None:
    """Approve a batch's filing for each court named, signed by one attorney; publish it final.

    Until a court's filing is approved it is published as a draft: every page is marked DRAFT,
    nothing is signed, and `courtdocs status` says "awaiting approval". Approving records who
    signs, dates the filing today (in California), writes the audit log and publishes the final
    filing, signed (a per-case batch renders its motions and orders again first). A filing is
    approved once: a second approval is refused, and so is the whole request, for every court.
    """
    from service.pipeline.approve import approve_filing

    if bool(courts) == every_court:
        raise click.UsageError("name the courts with --court CODE (repeatable), or give --all; not both")
    approvals = approve_filing(
        cli_runtime(),
        batch_id,
        None if every_court else courts,
        name=name,
        title=title,
        bar_number=bar_number,
        email=email,
        actor=f"cli:{os_user()}",
    )
    for approval in approvals:
        click.echo(
            f"approved: {approval.court_code} filing of batch {batch_id}, signed by {approval.name}"
            f" (SBN {approval.bar_number}) on {approval.approved_on.isoformat()}; publishing the final filing"
        )


def os_user() -> str:
    """Return who runs the command, as the operating system knows them (for the audit log)."""
    try:
        return getpass.getuser()
    except OSError:  # no name for this uid, and none in the environment
        return "unknown"
