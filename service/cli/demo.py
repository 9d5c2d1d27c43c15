"""`courtdocs demo`: the whole job end to end on the embedded defaults."""

from __future__ import annotations

import sys

from service.bundle.verify import verify_bundle
from service.cli.main import prepare_cli_database
from service.cli.progress import ProgressDisplay
from service.core.files import ensure_dir
from service.core.sample import generate_decisions, write_jsonl
from service.pipeline.runtime import Runtime
from service.pipeline.status import BatchStatus, batch_status, wait_for_batch
from service.pipeline.submit import submit_file
from service.settings import Settings
from service.worker.pool import start_workers, stop_workers

DEMO_TIMEOUT = 3600.0  # seconds the demo waits for its batch before giving up


def run_demo(settings: Settings, *, decisions: int, courts: int, processes: int, seed: int) -> int:
    """Generate, submit, render and publish a sample batch; verify its bundles. Return the exit status."""
    say = print
    rt = Runtime(settings)
    prepare_cli_database(rt)
    rt.redis.ping()  # start the embedded Redis (unless REDIS_URL is set) before the workers join it
    sample = ensure_dir(settings.output_dir / "demo") / f"sample-{decisions}-{courts}-{seed}.jsonl"
    with sample.open("w", encoding="utf-8") as stream:
        write_jsonl(generate_decisions(decisions, seed=seed, courts=courts), stream)
    say(f"wrote {decisions} sample decisions across {courts} court(s) to {sample}")
    submission = submit_file(rt, sample)
    say(
        f"batch {submission.batch_id}: "
        + ("submitted" if submission.created else "submitted before; reusing it")
    )
    say(f"starting {processes} worker process(es)")
    workers = start_workers(processes, burst=False)
    try:
        with ProgressDisplay(sys.stdout) as display:
            finished = wait_for_batch(rt, submission.batch_id, show=display.show, timeout=DEMO_TIMEOUT)
    finally:
        stop_workers(workers)
    report = batch_status(rt, submission.batch_id)
    if not finished or report is None:
        say("the batch did not finish in time", file=sys.stderr)
        return 1
    return _report_bundles(settings, report)


def _report_bundles(settings: Settings, report: BatchStatus) -> int:
    status = 0
    for code, court in report.courts.items():
        bundle = court.bundle
        if bundle is None or bundle.path is None:
            print(f"{code}: no bundle published")
            status = 1
            continue
        path = settings.output_dir / bundle.path
        problems = verify_bundle(path)
        verdict = "verified" if not problems else f"FAILED verification: {problems[0]}"
        print(f"{code}: {path} ({bundle.bytes:,} bytes) {verdict}")
        status = status or (1 if problems else 0)
    if report.failures:
        print(
            f"{len(report.failures)} document(s) failed; run `courtdocs status {report.batch_id}` for reasons"
        )
    return status
