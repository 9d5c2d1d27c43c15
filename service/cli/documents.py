"""Commands on documents and decision files: render, validate, sample."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.cli.main import main
from service.settings import get_settings


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
    from service.core.files import write_atomic
    from service.core.validation import load_decisions
    from service.render import DocumentKind, OutputFormat, Renderer

    decisions = load_decisions(decision_file)
    renderer = Renderer(get_settings())
    document = renderer.render(DocumentKind(kind), decisions, OutputFormat(output_format), draft=draft)
    write_atomic(out, document.content)
    pages = f", {document.pages} page(s)" if document.pages else ""
    click.echo(f"wrote {out} ({len(document.content)} bytes{pages})")
    for note in document.notes:
        click.echo(f"note: {note}")


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
