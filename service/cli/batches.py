"""Commands on batches: submit, status, verify, retry, reconcile, check, delete."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.cli.main import cli_runtime, main
from service.core.filing import FilingMode
from service.errors import NotFoundError
from service.pipeline.runtime import Runtime


@main.command()
@click.argument("batch_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--idempotency-key", help="the same key returns the same batch instead of a second one")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="queue the valid decisions; write the rejected ones to a report",
)
@click.option(
    "--filing",
    type=click.Choice([mode.value for mode in FilingMode]),
    default=FilingMode.OMNIBUS.value,
    show_default=True,
    help="omnibus: per court and basis one motion (or response), one proposed order and Exhibit A; "
    "per-case: a motion (or response) and an order for every case. Never both.",
)
@click.option("--wait", is_flag=True, help="show progress until every court bundle is published")
def submit(
    batch_file: Path, idempotency_key: str | None, skip_invalid: bool, filing: str, wait: bool
) -> None:
    """Validate a whole batch file, store it and queue its filing; print the batch id.

    Each court's filing is published as a draft until its signing attorney approves it
    (`courtdocs approve`).
    """
    from service.pipeline.submit import submit_file

    rt = cli_runtime()
    result = submit_file(
        rt,
        batch_file,
        filing=FilingMode(filing),
        idempotency_key=idempotency_key,
        skip_invalid=skip_invalid,
    )
    if result.created:
        click.echo(
            f"batch {result.batch_id}: {result.decisions} decision(s), filed {filing}, "
            f"queued in {result.jobs} job(s)",
            err=True,
        )
    else:
        click.echo(f"batch {result.batch_id}: submitted before; nothing new queued", err=True)
    if result.report:
        click.echo(f"{result.rejected} decision(s) rejected; see {result.report}", err=True)
    click.echo(result.batch_id)
    if wait:
        wait_for(rt, result.batch_id)


@main.command()
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True, help="print machine-readable JSON")
def status(batch_id: str, as_json: bool) -> None:
    """Show a batch's document states per court, its bundles and its failures."""
    from service.pipeline.status import batch_status, format_status

    report = batch_status(cli_runtime(), batch_id)
    if report is None:
        raise NotFoundError(f"no batch {batch_id}")
    click.echo(report.model_dump_json(indent=2) if as_json else format_status(report))


@main.command()
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(bundle: Path) -> None:
    """Re-hash every entry of a bundle ZIP against its manifest; exit 1 on any problem."""
    from service.bundle.verify import verify_bundle

    problems = verify_bundle(bundle)
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo(f"{bundle}: every entry matches the manifest")


@main.command()
@click.argument("batch_id")
def retry(batch_id: str) -> None:
    """Render a batch's failed documents again and publish new bundle versions."""
    from service.pipeline.retry import retry_failed

    queued = retry_failed(cli_runtime(), batch_id)
    click.echo(f"batch {batch_id}: {queued.documents} document(s) queued again in {queued.jobs} job(s)")


@main.command()
def reconcile() -> None:
    """Queue again every unfinished document or publication that no live job holds."""
    from service.pipeline.dispatch import reconcile as reconcile_all

    counts = reconcile_all(cli_runtime())
    click.echo(
        f"queued {counts['documents']} document(s) in {counts['render_jobs']} job(s), "
        f"{counts['publish_jobs']} publication(s)"
    )


@main.command()
@click.argument("batch_id")
def check(batch_id: str) -> None:
    """Check that a batch kept the promise of docs/reliability.md; print each violation, exit 1 on any."""
    from service.pipeline.check import check_batch, describe

    rt = cli_runtime()
    result = check_batch(rt.store, rt.settings.output_dir, batch_id)
    for line in describe(result):
        click.echo(line)
    if not result.ok:
        sys.exit(1)


@main.command()
@click.argument("batch_id")
@click.option("--force", is_flag=True, help="delete a batch that is not finished (stop the workers first)")
def delete(batch_id: str, force: bool) -> None:
    """Delete a batch for retention: its database rows, its files under output/batches/, its jobs."""
    from service.pipeline.retention import delete_batch, describe

    rt = cli_runtime()
    deletion = delete_batch(rt, batch_id, force=force)
    for line in describe(deletion):
        click.echo(line)


def wait_for(rt: Runtime, batch_id: str) -> None:
    """Show the batch's progress on standard error until it is published."""
    from service.cli.progress import ProgressDisplay
    from service.pipeline.status import wait_for_batch

    with ProgressDisplay(sys.stderr) as display:
        finished = wait_for_batch(rt, batch_id, show=display.show)
    if not finished:
        sys.exit(1)
