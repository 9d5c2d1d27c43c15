"""`courtdocs ruling`: what it prints (counts by outcome, the stored files), and how it refuses."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.db.accounts import Accounts
from tests.ruling_helpers import FinalFiling, final_filing


@pytest.fixture
def filing(tmp_path: Path) -> Iterator[FinalFiling]:
    with final_filing(tmp_path / "out") as made:
        yield made


def ruling(filing: FinalFiling, *args: str, court: str | None = None) -> list[str]:
    return [
        "ruling",
        filing.batch_id,
        "--court",
        court or filing.court,
        "--order",
        str(filing.order()),
        *args,
    ]


def test_ruling_prints_what_it_recorded_and_audits_the_os_user(filing: FinalFiling) -> None:
    case = filing.filed[0].case.number
    exceptions = filing.exceptions(f"case_number,count,outcome,note\n{case},1,denied,too late\n")
    today = filing.today.isoformat()
    result = filing.pipeline.courtdocs(
        *ruling(filing, "--signed-on", today, "--judge", "Hon. Maria Reyes", "--exceptions", str(exceptions))
    )

    row = filing.rt.store.rulings.of_court(filing.batch_id, filing.court)[0]
    total = sum(len(d.counts) for d in filing.filed)
    assert result.stdout.splitlines() == [
        f"recorded: ruling v1 of the {filing.court} filing of batch {filing.batch_id},"
        f" signed {today} by Hon. Maria Reyes",
        f"  counts: {total - 1} granted, 1 denied, 0 modified, 0 not found",
        f"  signed order: {row.order_path} (sha256 {row.order_sha256})",
        f"  clerk import: {row.clerk_import_path}",
    ]
    assert row.recorded_by == f"cli:{getpass.getuser()}"
    entries = Accounts(filing.rt.store).audit_entries()
    assert (entries[0]["actor"], entries[0]["action"]) == (row.recorded_by, "record_ruling")

    again = filing.pipeline.courtdocs(
        *ruling(filing, "--signed-on", today, "--judge", "Hon. Maria Reyes", "--exceptions", str(exceptions))
    )
    assert again.stdout.splitlines()[0] == (
        f"unchanged: ruling v1 of the {filing.court} filing of batch {filing.batch_id}, signed {today}"
        " by Hon. Maria Reyes, was recorded before; nothing recorded now"
    )
    amended = filing.pipeline.courtdocs(*ruling(filing, "--signed-on", today, "--amend"))
    assert amended.stdout.splitlines()[0] == (
        f"amended: ruling v2 of the {filing.court} filing of batch {filing.batch_id}, signed {today},"
        " superseding v1"
    )
    status = filing.pipeline.courtdocs("status", filing.batch_id)
    assert "    lifecycle: ruled" in status.stdout
    assert f"ruling v2 (amended; supersedes 1 earlier version), signed {today}" in status.stdout


def test_ruling_names_each_refused_field_and_exits_with_its_status(filing: FinalFiling) -> None:
    future = filing.pipeline.courtdocs(*ruling(filing, "--signed-on", "2999-01-01"), check=False)
    assert (future.returncode, future.stdout) == (1, "")
    assert future.stderr == (
        "error: 1 invalid field(s):\n"
        f"signed_on: 2999-01-01 is in the future (today is {filing.today} in California)\n"
    )
    bad_csv = filing.exceptions("case_number,count,outcome\nX1,1,maybe\n")
    lines = filing.pipeline.courtdocs(
        *ruling(filing, "--signed-on", filing.today.isoformat(), "--exceptions", str(bad_csv)), check=False
    )
    assert (lines.returncode, lines.stderr) == (
        1,
        "error: 1 invalid field(s):\n"
        "exceptions line 2: outcome: must be one of granted, denied, modified, not_found, not 'maybe'\n",
    )
    draft = filing.pipeline.courtdocs(
        *ruling(filing, "--signed-on", filing.today.isoformat(), court=filing.draft_court), check=False
    )
    assert (draft.returncode, draft.stderr) == (
        4,
        f"error: a ruling for a filing not yet final: the {filing.draft_court} filing of batch"
        f" {filing.batch_id} is not approved\n",
    )
    no_date = filing.pipeline.courtdocs(*ruling(filing), check=False)
    assert no_date.returncode == 2 and "Missing option '--signed-on'" in no_date.stderr
    assert filing.rt.store.rulings.of_batch(filing.batch_id) == {}
