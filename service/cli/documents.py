"""Commands on documents and decision files: render, validate, sample."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.main import main
from service.settings import get_settings

if TYPE_CHECKING:
    from service.core.filing import Signer


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
@click.option(
    "--sign-as", "sign_as", metavar="NAME", help="sign the motion or order as this attorney, dated today"
)
@click.option("--title", metavar="TITLE", help="the signing attorney's title (with --sign-as)")
@click.option("--bar", metavar="NUMBER", help="the signing attorney's State Bar number (with --sign-as)")
@click.option("--email", metavar="EMAIL", help="the signing attorney's email, if any (with --sign-as)")
@click.option("--draft", is_flag=True, help="mark every page DRAFT: NOT FOR FILING, even if signed")
def render(
    decision_file: Path,
    kind: str,
    output_format: str,
    out: Path,
    sign_as: str | None,
    title: str | None,
    bar: str | None,
    email: str | None,
    draft: bool,
) -> None:
    """Render one document from a decision file (a letter may take several of one person's).

    A motion or order is signed by the attorney who approved its filing: give --sign-as, --title
    and --bar (all three, and --email if any) to sign it, dated today. Without them it is a draft,
    signed by no one and marked DRAFT on every page. A letter is a draft only with --draft.
    """
    from service.core.files import write_atomic
    from service.core.validation import load_decisions
    from service.render import DocumentKind, OutputFormat, Renderer

    signer = _signer(sign_as, title, bar, email)
    decisions = load_decisions(decision_file)
    renderer = Renderer(get_settings())
    document = renderer.render(
        DocumentKind(kind), decisions, OutputFormat(output_format), signer=signer, draft=draft
    )
    write_atomic(out, document.content)
    pages = f", {document.pages} page(s)" if document.pages else ""
    signed = f", signed by {signer.name}" if signer and kind != "letter" else ""
    click.echo(f"wrote {out} ({len(document.content)} bytes{pages}{signed})")
    for note in document.notes:
        click.echo(f"note: {note}")


def _signer(name: str | None, title: str | None, bar: str | None, email: str | None) -> Signer | None:
    """Return the attorney signing today from the options, None for a draft; refuse half a signer."""
    from pydantic import ValidationError

    from service.core.filing import Signer

    if name is None and title is None and bar is None and email is None:
        return None
    if name is None or title is None or bar is None:
        raise click.UsageError("to sign, give all of --sign-as, --title and --bar (and --email if any)")
    try:
        return Signer(name=name, title=title, bar_number=bar, email=email, approved_on=date.today())
    except ValidationError as error:
        option = {"name": "--sign-as", "title": "--title", "bar_number": "--bar", "email": "--email"}
        problems = "; ".join(
            f"{option.get(str(detail['loc'][0]), detail['loc'][0])}: {detail['msg']}"
            for detail in error.errors()
        )
        raise click.UsageError(f"cannot sign as given: {problems}") from None


@main.command()
@click.argument("batch_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(batch_file: Path) -> None:
    """Validate a .json or .jsonl file of decisions: every error, one per line."""
    from service.core.validation import validate_file

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
    from service.core.sample import generate_decisions, write_jsonl

    decisions = generate_decisions(count, seed=seed, courts=courts)
    if out is None:
        write_jsonl(decisions, sys.stdout)
        return
    with out.open("w", encoding="utf-8") as stream:
        written = write_jsonl(decisions, stream)
    click.echo(f"wrote {written} decision(s) to {out}", err=True)
