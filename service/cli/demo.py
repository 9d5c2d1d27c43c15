"""`courtdocs demo`: the whole job end to end on the embedded defaults, as far as a batch's life goes.

A sample batch is submitted and published as draft filings; the demo then stands in for the
signing attorney (and says so) to approve every court's filing, and waits for the final, signed
filings. Then it stands in for the judge (and says so): the proposed order of each court is taken
as "signed" and recorded as the ruling, and the DOJ disposition report is written. Letters to
people after the ruling are not built yet.
"""

from __future__ import annotations

import getpass
import sys
import zipfile
from pathlib import Path

from service.bundle.verify import verify_bundle
from service.cli.main import prepare_cli_database
from service.cli.progress import ProgressDisplay
from service.core.files import ensure_dir
from service.core.filing import FilingMode
from service.core.sample import generate_decisions, write_jsonl
from service.db.sql import now
from service.pipeline.approve import approve_filing, filing_date
from service.pipeline.doj import write_doj_report
from service.pipeline.ruling import record_ruling
from service.pipeline.runtime import Runtime
from service.pipeline.status import BatchStatus, batch_status, wait_for_batch
from service.pipeline.submit import submit_file
from service.settings import Settings
from service.worker.pool import start_workers, stop_workers

DEMO_TIMEOUT = 3600.0  # seconds the demo waits for each stage of its batch before giving up
# A made-up attorney: the demo stands in for the one who approves and signs the filings.
DEMO_SIGNER = {"name": "Dana Demo", "title": "Deputy District Attorney (demo)", "bar_number": "999999"}


def run_demo(
    settings: Settings, *, decisions: int, courts: int, processes: int, seed: int, filing: FilingMode
) -> int:
    """Generate, submit, publish drafts, approve, publish signed filings, verify; return the exit status."""
    say = print
    rt = Runtime(settings)
    prepare_cli_database(rt)
    rt.redis.ping()  # start the embedded Redis (unless REDIS_URL is set) before the workers join it
    sample = ensure_dir(settings.output_dir / "demo") / f"sample-{decisions}-{courts}-{seed}.jsonl"
    with sample.open("w", encoding="utf-8") as stream:
        write_jsonl(generate_decisions(decisions, seed=seed, courts=courts), stream)
    say(f"1. wrote {decisions} sample decisions across {courts} court(s) to {sample}")
    submission = submit_file(rt, sample, filing=filing)
    how = "submitted" if submission.created else "submitted before; reusing it"
    say(f"2. batch {submission.batch_id}: {how}, filed {filing.value}")
    say(f"   starting {processes} worker process(es)")
    workers = start_workers(processes, burst=False)
    try:
        say("3. rendering the draft filings (every page marked DRAFT, nothing signed)")
        report = _wait(rt, submission.batch_id)
        if report is None:
            return 1
        status = _report_bundles(settings, report)
        say(
            f"4. approving every court's filing as {DEMO_SIGNER['name']}, SBN {DEMO_SIGNER['bar_number']}: "
            "THE DEMO STANDS IN FOR THE SIGNING ATTORNEY (in real use: `courtdocs approve` or the "
            "attorney's web page)"
        )
        _approve(rt, submission.batch_id, report)
        say("5. rendering the final filings, signed and dated today")
        report = _wait(rt, submission.batch_id)
        if report is None:
            return 1
        status = _report_bundles(settings, report) or status
    finally:
        stop_workers(workers)
    say(
        "6. recording each court's ruling: THE DEMO STANDS IN FOR THE JUDGE, taking the proposed "
        "order as signed today (in real use: `courtdocs ruling` with the scan of the signed order)"
    )
    for code, court in report.courts.items():
        if court.bundle is not None and court.bundle.path is not None:
            _rule_and_report(rt, submission.batch_id, code, settings.output_dir / court.bundle.path)
    say("next in a batch's life (not built yet): letters to people, after the ruling")
    return status


def _rule_and_report(rt: Runtime, batch_id: str, court_code: str, bundle: Path) -> None:
    """Record the court's ruling with its proposed order as the signed order; write the DOJ report."""
    with zipfile.ZipFile(bundle) as archive:
        order_name = next(name for name in archive.namelist() if name.endswith("-omnibus-order.pdf"))
        order = ensure_dir(rt.settings.output_dir / "demo") / f"{batch_id}-{court_code}-signed-order.pdf"
        order.write_bytes(archive.read(order_name))
    recorded = record_ruling(
        rt,
        batch_id,
        court_code,
        signed_on=filing_date(now()),
        order=order,
        judge="Hon. Demo Judge (the demo stands in for the judge)",
        exceptions=None,
        amend=False,
        actor=f"demo:{getpass.getuser()}",
    )
    counts = ", ".join(
        f"{number} {outcome.value.replace('_', ' ')}" for outcome, number in recorded.counts.items() if number
    )
    report = write_doj_report(rt, batch_id, court_code)
    row = recorded.row
    print(f"   {court_code}: ruling v{row.version} recorded ({counts}); clerk import {row.clerk_import_path}")
    deadline = report.deadline.describe()
    print(f"   {court_code}: DOJ report {report.csv.path} ({report.csv.rows} rows), {deadline}")


def _wait(rt: Runtime, batch_id: str) -> BatchStatus | None:
    with ProgressDisplay(sys.stdout) as display:
        finished = wait_for_batch(rt, batch_id, show=display.show, timeout=DEMO_TIMEOUT)
    report = batch_status(rt, batch_id)
    if not finished or report is None:
        print("the batch did not finish in time", file=sys.stderr)
        return None
    return report


def _approve(rt: Runtime, batch_id: str, report: BatchStatus) -> None:
    """Approve the courts no one has approved yet (a rerun of the demo finds them approved)."""
    courts = [code for code, court in report.courts.items() if court.approval is None]
    if courts:
        approve_filing(rt, batch_id, courts, **DEMO_SIGNER, email=None, actor=f"demo:{getpass.getuser()}")


def _report_bundles(settings: Settings, report: BatchStatus) -> int:
    status = 0
    for code, court in report.courts.items():
        bundle = court.bundle
        if bundle is None or bundle.path is None:
            print(f"   {code}: no bundle published")
            status = 1
            continue
        path = settings.output_dir / bundle.path
        problems = verify_bundle(path)
        verdict = "verified" if not problems else f"FAILED verification: {problems[0]}"
        kind = "final" if bundle.final else "DRAFT"
        print(f"   {code}: {kind} {path} ({bundle.bytes:,} bytes) {verdict}; filing {court.filing_state}")
        status = status or (1 if problems else 0)
    if report.failures:
        print(
            f"   {len(report.failures)} document(s) failed; "
            f"run `courtdocs status {report.batch_id}` for reasons"
        )
    return status
