"""`courtdocs approve`: what it prints, and how it refuses (one line, the exit status of the error)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.db.accounts import Accounts
from service.pipeline.submit import submit_file
from tests.pipeline_helpers import Pipeline, make_pipeline

SIGNER = ["--name", "Dana Whitfield", "--title", "Deputy District Attorney", "--bar", "123456"]


@dataclass
class Submitted:
    pipeline: Pipeline
    batch_id: str
    courts: list[str]


@pytest.fixture
def submitted(tmp_path: Path) -> Iterator[Submitted]:
    pipeline = make_pipeline(tmp_path / "out")
    rt = pipeline.runtime()
    batch_id = submit_file(rt, pipeline.sample_file(4, courts=2, seed=13)).batch_id
    courts = [court.court_code for court in rt.store.publications.courts_of(batch_id)]
    yield Submitted(pipeline, batch_id, courts)
    pipeline.close()


def test_approve_prints_each_court_signed_and_dated_and_audits_the_os_user(submitted: Submitted) -> None:
    batch_id = submitted.batch_id
    result = submitted.pipeline.courtdocs(
        "approve", batch_id, "--all", *SIGNER, "--email", "d@da.example.gov"
    )

    approvals = submitted.pipeline.runtime().store.approvals.of_batch(batch_id)
    assert sorted(approvals) == submitted.courts
    assert result.stdout == "".join(
        f"approved: {court} filing of batch {batch_id}, signed by Dana Whitfield (SBN 123456)"
        f" on {approvals[court].approved_on.isoformat()}; publishing the final filing\n"
        for court in submitted.courts
    )
    actor = f"cli:{getpass.getuser()}"
    assert {approval.approved_by for approval in approvals.values()} == {actor}
    entries = Accounts(submitted.pipeline.runtime().store).audit_entries()
    assert sorted((e["actor"], e["action"], e["target"]) for e in entries) == [
        (actor, "approve_filing", f"{batch_id}/{court}") for court in submitted.courts
    ]


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (
            ["--all", "--court", "LA-CCB"],
            "name the courts with --court CODE (repeatable), or give --all; not both",
        ),
        ([], "name the courts with --court CODE (repeatable), or give --all; not both"),
    ],
)
def test_approve_needs_either_courts_or_all(submitted: Submitted, choice: list[str], message: str) -> None:
    result = submitted.pipeline.courtdocs("approve", submitted.batch_id, *choice, *SIGNER, check=False)
    assert result.returncode == 2
    assert f"Error: {message}" in result.stderr


def test_approve_is_refused_without_a_bar_number(submitted: Submitted) -> None:
    no_option = submitted.pipeline.courtdocs("approve", submitted.batch_id, "--all", *SIGNER[:4], check=False)
    assert no_option.returncode == 2 and "Missing option '--bar'" in no_option.stderr
    empty = submitted.pipeline.courtdocs(
        "approve", submitted.batch_id, "--all", *SIGNER[:4], "--bar", " ", check=False
    )
    assert (empty.returncode, empty.stderr, empty.stdout) == (
        1,
        "error: 1 invalid field(s):\nbar_number: is required\n",
        "",
    )
    assert submitted.pipeline.runtime().store.approvals.of_batch(submitted.batch_id) == {}


def test_approve_refuses_a_second_approval_and_an_unknown_court(submitted: Submitted) -> None:
    court = submitted.courts[0]
    submitted.pipeline.courtdocs("approve", submitted.batch_id, "--court", court, *SIGNER)

    again = submitted.pipeline.courtdocs("approve", submitted.batch_id, "--all", *SIGNER, check=False)
    assert again.returncode == 4
    assert again.stderr.startswith(
        f"error: the {court} filing of batch {submitted.batch_id} is already approved"
    )
    assert again.stderr.count("\n") == 1 and again.stdout == ""
    unknown = submitted.pipeline.courtdocs(
        "approve", submitted.batch_id, "--court", "NOPE", *SIGNER, check=False
    )
    assert (unknown.returncode, unknown.stderr) == (
        3,
        f"error: batch {submitted.batch_id} has no court NOPE\n",
    )
    assert list(submitted.pipeline.runtime().store.approvals.of_batch(submitted.batch_id)) == [court]
