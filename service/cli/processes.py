"""Commands that run the service: worker, serve, demo."""

from __future__ import annotations

import sys

import click

from service.cli.main import cli_runtime, main
from service.core.filing import FilingMode
from service.settings import get_settings


@main.command()
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True)
def worker(burst: bool, processes: int) -> None:
    """Run long-lived render workers (no fork per job)."""
    from service.worker.pool import run_pool, run_worker

    if processes == 1:
        run_worker(get_settings(), burst=burst)
        return
    cli_runtime(migrate=False).redis.ping()  # start (or join) the embedded Redis before the workers do
    sys.exit(run_pool(processes, burst=burst))


@main.command()
@click.option("--decisions", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--courts", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--processes", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--filing",
    type=click.Choice([mode.value for mode in FilingMode]),
    default=FilingMode.OMNIBUS.value,
    show_default=True,
    help="how the sample batch is filed (see `courtdocs submit --help`)",
)
def demo(decisions: int, courts: int, processes: int, seed: int, filing: str) -> None:
    """The whole job on embedded defaults: sample batch, draft filings, approval, signed filings.

    The demo stands in for the signing attorney: it approves every court's filing as a made-up
    attorney, and says so.
    """
    from service.cli.demo import run_demo

    settings = get_settings()
    mode = FilingMode(filing)
    sys.exit(
        run_demo(settings, decisions=decisions, courts=courts, processes=processes, seed=seed, filing=mode)
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the web pages and the HTTP API (uvicorn)."""
    import uvicorn

    from service.render.memory import fix_mmap_threshold
    from service.web.app import create_app

    fix_mmap_threshold()  # previews render PDFs in this process too
    app = create_app(get_settings())  # an old schema: one line saying why, exit 1 (ErrorMappingGroup)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
