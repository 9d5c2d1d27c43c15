"""The courtdocs command line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from service.errors import CourtdocsError, InvalidInputError
from service.settings import get_settings

if TYPE_CHECKING:
    from service.runtime import Runtime

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Court filings for mass cannabis-conviction relief (HSC 11361.8 / 11361.9)."""
    os.umask(0o077)  # every file and folder courtdocs creates is readable by its own user only


@main.command()
@click.argument("decision_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--doc", "kind", type=click.Choice(["motion", "order", "letter"]), required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["pdf", "docx", "html"]),
    default="pdf",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="file to write")
@click.option("--draft", is_flag=True, help="mark every page DRAFT: NOT FOR FILING")
def render(decision_file: Path, kind: str, output_format: str, out: Path, draft: bool) -> None:
    """Render one document from a decision file (a letter may take several of one person's)."""
    from service.files import write_atomic
    from service.render import DocumentKind, OutputFormat, Renderer
    from service.validation import load_decisions

    decisions = _or_exit(lambda: load_decisions(decision_file))
    renderer = Renderer(get_settings())
    document = _or_exit(
        lambda: renderer.render(DocumentKind(kind), decisions, OutputFormat(output_format), draft=draft)
    )
    write_atomic(out, document.content)
    pages = f", {document.pages} page(s)" if document.pages else ""
    click.echo(f"wrote {out} ({len(document.content)} bytes{pages})")
    for note in document.notes:
        click.echo(f"note: {note}")


@main.command()
@click.argument("batch_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(batch_file: Path) -> None:
    """Validate a .json or .jsonl file of decisions: every error, one per line."""
    from service.validation import validate_file

    report = validate_file(batch_file, keep_decisions=False)  # flat memory for a file of any size
    for error in report.errors:
        click.echo(str(error))
    if report.errors:
        click.echo(
            f"{len(report.errors)} error(s) in {len(report.rejected_positions)} decision(s)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{report.valid} valid decision(s)")


@main.command()
@click.argument("count", type=click.IntRange(min=1))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--courts", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="file to write (default: stdout)"
)
def sample(count: int, seed: int, courts: int, out: Path | None) -> None:
    """Write COUNT realistic synthetic decisions as JSON Lines."""
    from service.sample import generate_decisions, write_jsonl

    decisions = generate_decisions(count, seed=seed, courts=courts)
    if out is None:
        write_jsonl(decisions, sys.stdout)
        return
    with out.open("w", encoding="utf-8") as stream:
        written = write_jsonl(decisions, stream)
    click.echo(f"wrote {written} decision(s) to {out}", err=True)


def _or_exit(action: Callable[[], T]) -> T:
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


def _runtime() -> Runtime:
    from service.runtime import Runtime

    rt = Runtime(get_settings())
    rt.store.create_schema()
    return rt


@main.command()
@click.argument("batch_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--idempotency-key", help="the same key returns the same batch instead of a second one")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="queue the valid decisions; write the rejected ones to a report",
)
@click.option("--wait", is_flag=True, help="show progress until every court bundle is published")
def submit(batch_file: Path, idempotency_key: str | None, skip_invalid: bool, wait: bool) -> None:
    """Validate a whole batch file, store it and queue its documents; print the batch id."""
    from service.submit import submit_file

    rt = _runtime()
    result = _or_exit(
        lambda: submit_file(rt, batch_file, idempotency_key=idempotency_key, skip_invalid=skip_invalid)
    )
    if result.created:
        click.echo(
            f"batch {result.batch_id}: {result.decisions} decision(s) queued in {result.jobs} job(s)",
            err=True,
        )
    else:
        click.echo(f"batch {result.batch_id}: submitted before; nothing new queued", err=True)
    if result.report:
        click.echo(f"{result.rejected} decision(s) rejected; see {result.report}", err=True)
    click.echo(result.batch_id)
    if wait:
        _wait(rt, result.batch_id)


@main.command()
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True)
def worker(burst: bool, processes: int) -> None:
    """Run long-lived render workers (no fork per job)."""
    from service.worker import run_pool, run_worker

    if processes == 1:
        _or_exit(lambda: run_worker(get_settings(), burst=burst))
        return
    _runtime().redis.ping()  # start (or join) the embedded Redis before the workers do
    sys.exit(run_pool(processes, burst=burst))


@main.command()
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True, help="print machine-readable JSON")
def status(batch_id: str, as_json: bool) -> None:
    """Show a batch's document states per court, its bundles and its failures."""
    import json

    from service.status import batch_status, format_status

    report = batch_status(_runtime(), batch_id)
    if report is None:
        click.echo(f"error: no batch {batch_id}", err=True)
        sys.exit(1)
    click.echo(json.dumps(report, indent=2, default=str) if as_json else format_status(report))


@main.command()
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(bundle: Path) -> None:
    """Re-hash every entry of a bundle ZIP against its manifest; exit 1 on any problem."""
    from service.verify import verify_bundle

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
    from service.jobs import enqueue_documents

    rt = _runtime()
    courts = rt.store.reset_failed(batch_id)
    pending = [
        doc for court in courts for doc in rt.store.documents_of(batch_id, court) if doc.state == "pending"
    ]
    jobs = enqueue_documents(rt, pending)
    click.echo(f"batch {batch_id}: {len(pending)} document(s) queued again in {jobs} job(s)")


@main.command()
def reconcile() -> None:
    """Queue again every unfinished document or publication that no live job holds."""
    from service.jobs import reconcile as reconcile_all

    counts = reconcile_all(_runtime())
    click.echo(
        f"queued {counts['documents']} document(s) in {counts['render_jobs']} job(s), "
        f"{counts['publish_jobs']} publication(s)"
    )


@main.command()
@click.option("--decisions", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--courts", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--processes", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def demo(decisions: int, courts: int, processes: int, seed: int) -> None:
    """The whole job on embedded defaults: sample batch, submit, workers, progress, verified bundles."""
    from service.demo import run_demo

    sys.exit(
        _or_exit(
            lambda: run_demo(
                get_settings(), decisions=decisions, courts=courts, processes=processes, seed=seed
            )
        )
    )


def _wait(rt: Runtime, batch_id: str) -> None:
    from service.status import wait_for_batch

    if not wait_for_batch(rt, batch_id, show=lambda line: click.echo(f"\r{line}", nl=False, err=True)):
        click.echo("", err=True)
        sys.exit(1)
    click.echo("", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the web pages and the HTTP API (uvicorn)."""
    import uvicorn

    from service.memory import fix_mmap_threshold
    from service.web.app import create_app

    fix_mmap_threshold()  # previews render PDFs in this process too
    uvicorn.run(create_app(get_settings()), host=host, port=port, log_level="info", access_log=False)


@main.group()
def users() -> None:
    """Manage the people and systems that use the service."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["submitter", "attorney", "clerk", "auditor", "admin"]), required=True
)
@click.option("--court", "courts", multiple=True, help="a court code a clerk files for (repeatable)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--no-password", is_flag=True, help="an account for API tokens only")
def users_add(name: str, role: str, courts: tuple[str, ...], password_stdin: bool, no_password: bool) -> None:
    """Add a user; asks for a password unless --no-password."""
    from service.accounts import Accounts, Role

    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < 12:
        click.echo("error: a password needs at least 12 characters", err=True)
        sys.exit(1)
    accounts = Accounts(_runtime().store)
    user = _or_exit(lambda: accounts.add_user(name, Role(role), list(courts), password))
    click.echo(f"added {user.name} ({user.role.value}{': ' + ', '.join(user.courts) if user.courts else ''})")


@main.group()
def tokens() -> None:
    """Manage API tokens (stored hashed; shown once)."""


@tokens.command("create")
@click.argument("name")
def tokens_create(name: str) -> None:
    """Create an API token for user NAME and print it (it cannot be shown again)."""
    from service.accounts import Accounts

    token_id, token = _or_exit(lambda: Accounts(_runtime().store).create_token(name))
    click.echo(f"token {token_id} for {name} (keep it secret; it is not stored):", err=True)
    click.echo(token)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token by its number."""
    from service.accounts import Accounts

    if not Accounts(_runtime().store).revoke_token(token_id):
        click.echo(f"error: no active token {token_id}", err=True)
        sys.exit(1)
    click.echo(f"revoked token {token_id}")


@main.command()
@click.argument("batch_id")
def check(batch_id: str) -> None:
    """Check that a batch kept the promise of docs/reliability.md; print each violation, exit 1 on any."""
    from service.check import check_batch, describe

    rt = _runtime()
    result = _or_exit(lambda: check_batch(rt.store, rt.settings.output_dir, batch_id))
    for line in describe(result):
        click.echo(line)
    if not result.ok:
        sys.exit(1)


@main.command()
@click.argument("batch_id")
@click.option("--force", is_flag=True, help="delete a batch that is not finished (stop the workers first)")
def delete(batch_id: str, force: bool) -> None:
    """Delete a batch for retention: its database rows, its files under output/batches/, its jobs."""
    from service.retention import delete_batch, describe

    rt = _runtime()
    deletion = _or_exit(lambda: delete_batch(rt, batch_id, force=force))
    for line in describe(deletion):
        click.echo(line)
