"""Recording the court's ruling on a final filing: every refusal named by its field or CSV line,
the signed order stored with its hash, exceptions applied to the counts, the clerk import written,
the same ruling twice is one ruling, an amended ruling supersedes the one before, all audited.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.core.ruling import Outcome
from service.db.accounts import Accounts
from service.errors import ConflictError, InvalidInputError, InvalidRequestError, NotFoundError
from service.pipeline.approve import approve_filing
from service.pipeline.check import check_batch
from service.pipeline.retention import delete_batch
from service.pipeline.ruling import CLERK_IMPORT_HEADER, RecordedRuling, record_ruling
from service.pipeline.status import batch_status, format_status
from tests.ruling_helpers import ATTORNEY, ORDER_PDF, FinalFiling, final_filing
from tests.services import require_services, temporary_postgres_database

ACTOR = "clerk1"


@pytest.fixture(params=["sqlite", "postgresql"])
def filing(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FinalFiling]:
    with contextlib.ExitStack() as stack:
        url = None
        if request.param == "postgresql":
            require_services()
            url = stack.enter_context(temporary_postgres_database())
        yield stack.enter_context(final_filing(tmp_path / "out", url, fail=1))


def record(filing: FinalFiling, **changes: Any) -> RecordedRuling:
    arguments: dict[str, Any] = {
        "signed_on": filing.today,
        "order": filing.order(),
        "judge": "Hon. Maria Reyes",
        "exceptions": None,
        "amend": False,
        "actor": ACTOR,
    }
    arguments.update(changes)
    court = arguments.pop("court", filing.court)
    return record_ruling(filing.rt, filing.batch_id, court, **arguments)


def refusal(filing: FinalFiling, **changes: Any) -> list[str]:
    with pytest.raises(InvalidInputError) as refused:
        record(filing, **changes)
    assert filing.rt.store.rulings.of_batch(filing.batch_id) == {}
    return [str(error) for error in refused.value.errors]


def audit(filing: FinalFiling) -> list[tuple[str, str, str, str]]:
    entries = Accounts(filing.rt.store).audit_entries()
    return [(e["actor"], e["action"], e["target"], e["outcome"]) for e in reversed(entries)]


def test_a_ruling_stores_the_signed_order_with_its_hash_grants_every_count_and_is_audited(
    filing: FinalFiling,
) -> None:
    recorded = record(filing, signed_on=filing.today - timedelta(days=2))

    row = recorded.row
    assert (row.version, row.signed_on, row.judge, row.supersedes_id) == (
        1,
        filing.today - timedelta(days=2),
        "Hon. Maria Reyes",
        None,
    )
    stored = filing.rt.settings.output_dir / row.order_path
    assert row.order_path == f"batches/{filing.batch_id}/rulings/{filing.court}/ruling-v001-order.pdf"
    assert stored.read_bytes() == ORDER_PDF
    assert (row.order_sha256, row.order_bytes) == (hashlib.sha256(ORDER_PDF).hexdigest(), len(ORDER_PDF))
    filed_counts = sum(len(d.counts) for d in filing.filed)
    assert recorded.counts == {
        Outcome.GRANTED: filed_counts,
        Outcome.DENIED: 0,
        Outcome.MODIFIED: 0,
        Outcome.NOT_FOUND: 0,
    }
    assert filing.rt.store.rulings.of_court(filing.batch_id, filing.court) == [row]
    assert audit(filing)[-1] == (
        ACTOR,
        "record_ruling",
        f"{filing.batch_id}/{filing.court}",
        f"recorded: v1, signed {row.signed_on.isoformat()}",
    )


def test_exceptions_are_applied_and_the_clerk_import_lists_every_filed_count_with_its_outcome(
    filing: FinalFiling,
) -> None:
    multi = next(d for d in filing.filed if len(d.counts) > 1)
    single = next(d for d in filing.filed if d is not multi)
    recorded = record(
        filing,
        exceptions=filing.exceptions(
            "case_number,count,outcome,note\n"
            f'{multi.case.number},2,denied,"no record of the count, call the clerk"\n'
            f"\n{single.case.number},1,not_found,\n"
            f"{multi.case.number},1,modified,reduced to an infraction\n"
        ),
    )

    ruling = recorded.ruling
    assert ruling.outcome_of(multi.case.number, 2).outcome is Outcome.DENIED
    assert ruling.outcome_of(multi.case.number, 3).outcome is Outcome.GRANTED
    stored = filing.rt.store.rulings.ruling(recorded.row)
    assert stored == ruling
    total = sum(len(d.counts) for d in filing.filed)
    assert recorded.counts == {
        Outcome.GRANTED: total - 3,
        Outcome.DENIED: 1,
        Outcome.MODIFIED: 1,
        Outcome.NOT_FOUND: 1,
    }
    path = filing.rt.settings.output_dir / recorded.row.clerk_import_path
    assert recorded.row.clerk_import_path.endswith(f"rulings/{filing.court}/ruling-v001-clerk-import.csv")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded.row.clerk_import_sha256
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == list(CLERK_IMPORT_HEADER)
    expected = [
        [
            d.case.number,
            d.person.name,
            d.person.cii or "",
            str(c.count),
            f"HSC {c.section}",
            c.relief.value,
            ruling.outcome_of(d.case.number, c.count).outcome.value,
            filing.today.isoformat(),
            ruling.outcome_of(d.case.number, c.count).note,
            d.decision_id,
        ]
        for d in filing.filed
        for c in d.counts
    ]
    assert rows[1:] == expected
    assert [r[6] for r in rows[1:]].count("granted") == total - 3
    assert next(r for r in rows[1:] if r[0] == multi.case.number and r[3] == "2")[8] == (
        "no record of the count, call the clerk"
    )
    assert filing.failed[0].case.number not in {r[0] for r in rows[1:]}  # left out of the filing


def test_the_same_ruling_twice_is_one_ruling(filing: FinalFiling) -> None:
    text = f"case_number,count,outcome\n{filing.filed[0].case.number},1,denied\n"
    first = record(filing, exceptions=filing.exceptions(text))
    again = record(
        filing, exceptions=filing.exceptions(text, "again.csv"), order=filing.order(name="copy.pdf")
    )

    assert (first.new, again.new) == (True, False)
    assert again.row == first.row and again.ruling == first.ruling
    assert len(filing.rt.store.rulings.of_court(filing.batch_id, filing.court)) == 1
    assert audit(filing)[-1][3] == "unchanged: v1 recorded before"


def test_a_second_different_ruling_is_refused_naming_the_first(filing: FinalFiling) -> None:
    first = record(filing)
    with pytest.raises(ConflictError) as refused:
        record(filing, judge="Hon. Someone Else")
    assert str(refused.value) == (
        f"the {filing.court} filing of batch {filing.batch_id} has a ruling already: version 1,"
        f" signed on {first.row.signed_on.isoformat()}, recorded by {ACTOR};"
        " record an amended ruling (--amend) to supersede it"
    )
    assert filing.rt.store.rulings.of_court(filing.batch_id, filing.court) == [first.row]
    assert audit(filing)[-1][3] == "refused: ConflictError"


def test_an_amended_ruling_is_the_next_version_and_supersedes_the_first_everywhere(
    filing: FinalFiling,
) -> None:
    first = record(filing, signed_on=filing.today - timedelta(days=1))
    amended = record(
        filing,
        amend=True,
        order=filing.order(ORDER_PDF + b"% corrected\n", "amended.pdf"),
        exceptions=filing.exceptions(f"case_number,count,outcome\n{filing.filed[0].case.number},1,denied\n"),
    )

    assert (amended.row.version, amended.row.supersedes_id) == (2, first.row.id)
    assert amended.row.order_path.endswith("ruling-v002-order.pdf")
    assert (filing.rt.settings.output_dir / first.row.order_path).read_bytes() == ORDER_PDF  # kept
    assert filing.rt.store.rulings.latest(filing.batch_id, filing.court) == amended.row
    assert audit(filing)[-1][3] == "amended: v2 supersedes v1"
    report = batch_status(filing.rt, filing.batch_id)
    assert report is not None
    court = report.courts[filing.court]
    assert court.ruling is not None
    assert (court.ruling.version, court.ruling.superseded_versions, court.ruling.counts["denied"]) == (
        2,
        1,
        1,
    )
    assert court.lifecycle == "ruled"
    text = format_status(report)
    assert f"ruling v2 (amended; supersedes 1 earlier version), signed {filing.today.isoformat()}" in text
    assert f"clerk import: {amended.row.clerk_import_path}" in text


def test_amend_without_a_ruling_is_refused(filing: FinalFiling) -> None:
    with pytest.raises(InvalidRequestError, match="has no ruling to amend"):
        record(filing, amend=True)


def test_a_ruling_for_a_filing_not_yet_final_is_refused(filing: FinalFiling) -> None:
    with pytest.raises(ConflictError) as refused:
        record(filing, court=filing.draft_court)
    assert str(refused.value) == (
        f"a ruling for a filing not yet final: the {filing.draft_court} filing of batch"
        f" {filing.batch_id} is not approved"
    )
    assert audit(filing)[-1] == (
        ACTOR,
        "record_ruling",
        f"{filing.batch_id}/{filing.draft_court}",
        "refused: ConflictError",
    )


def test_an_unknown_batch_or_court_is_not_found(filing: FinalFiling) -> None:
    with pytest.raises(NotFoundError, match=f"batch {filing.batch_id} has no court NOPE"):
        record(filing, court="NOPE")
    with pytest.raises(NotFoundError, match="no batch b20990101-0000000000"):
        record_ruling(
            filing.rt,
            "b20990101-0000000000",
            filing.court,
            signed_on=filing.today,
            order=filing.order(),
            judge=None,
            exceptions=None,
            amend=False,
            actor=ACTOR,
        )


def test_a_date_before_the_approval_or_in_the_future_is_refused_naming_signed_on(filing: FinalFiling) -> None:
    early = filing.approved_on - timedelta(days=1)
    assert refusal(filing, signed_on=early) == [
        f"signed_on: {early} is before the filing was approved, on {filing.approved_on}"
    ]
    late = filing.today + timedelta(days=1)
    assert refusal(filing, signed_on=late) == [
        f"signed_on: {late} is in the future (today is {filing.today} in California)"
    ]
    assert record(filing, signed_on=filing.approved_on).row.signed_on == filing.approved_on


def test_an_order_that_is_not_a_pdf_or_too_large_or_missing_is_refused_naming_order(
    filing: FinalFiling, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert refusal(filing, order=filing.order(b"GIF89a...", "scan.gif")) == [
        "order: is not a PDF (it does not start with %PDF-)"
    ]
    assert refusal(filing, order=filing.pipeline.output / "nowhere.pdf") == [
        "order: cannot be read: No such file or directory"
    ]
    monkeypatch.setattr(
        filing.rt,
        "settings",
        filing.rt.settings.__class__(**{**filing.rt.settings.__dict__, "max_order_bytes": 10}),
    )
    assert refusal(filing) == [f"order: is {len(ORDER_PDF)} bytes, over the limit of 10"]


def test_every_bad_line_of_the_exceptions_is_named(filing: FinalFiling) -> None:
    multi = next(d for d in filing.filed if len(d.counts) > 1)
    left_out = filing.failed[0].case.number
    text = (
        "case_number,count,outcome,note\n"
        f"{multi.case.number},1,dismissed,\n"  # unknown outcome
        f"NOPE123,1,denied,\n"  # no such case
        f"{multi.case.number},9,denied,\n"  # no such count
        f"{multi.case.number},2,denied,\n"
        f"{multi.case.number},2,granted,\n"  # twice
        f"{left_out},1,denied,\n"  # its decision failed: not in the filing
        f"{multi.case.number},x,denied,\n"
    )
    counts = ", ".join(str(c.count) for c in multi.counts)
    assert refusal(filing, exceptions=filing.exceptions(text)) == [
        "exceptions line 2: outcome: must be one of granted, denied, modified, not_found, not 'dismissed'",
        f"exceptions line 6: count: case {multi.case.number} count 2 is on line 5 too",
        "exceptions line 8: count: must be a count number (1, 2...), not 'x'",
        f"exceptions line 3: case_number: case NOPE123 is not in the {filing.court} filing",
        f"exceptions line 4: count: case {multi.case.number} has no count 9 in the filing"
        f" (its counts: {counts})",
        f"exceptions line 7: case_number: case {left_out} is not in the {filing.court} filing",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"case,count,outcome\nA,1,denied\n",
            "exceptions line 1: header: must be case_number,count,outcome[,note], not 'case,count,outcome'",
        ),
        (
            b"A1,1,denied\n",
            "exceptions line 1: header: must be case_number,count,outcome[,note], not 'A1,1,denied'",
        ),
        (b"case_number,count,outcome\n\xff\xfe,1,denied\n", "exceptions: encoding: is not UTF-8 (byte 26)"),
        (b"case_number,count,outcome\nA1,1\n", "exceptions line 2: fields: has 2 field(s), the header 3"),
    ],
)
def test_an_exceptions_file_needs_its_header_and_utf8(
    filing: FinalFiling, content: bytes, message: str
) -> None:
    path = filing.pipeline.output / "bad.csv"
    path.write_bytes(content)
    assert refusal(filing, exceptions=path) == [message]


def test_refusals_of_several_fields_are_named_together(filing: FinalFiling) -> None:
    assert refusal(
        filing,
        signed_on=date(2000, 1, 1),
        order=filing.order(b"not a pdf", "x.pdf"),
        exceptions=filing.exceptions("case_number,count,outcome\nNOPE,1,denied\n"),
    ) == [
        f"signed_on: 2000-01-01 is before the filing was approved, on {filing.approved_on}",
        "order: is not a PDF (it does not start with %PDF-)",
        f"exceptions line 2: case_number: case NOPE is not in the {filing.court} filing",
    ]


def test_deleting_the_batch_deletes_its_rulings_and_their_files(filing: FinalFiling) -> None:
    first = record(
        filing,
        exceptions=filing.exceptions(f"case_number,count,outcome\n{filing.filed[0].case.number},1,denied\n"),
    )
    record(filing, amend=True, judge="Hon. B")
    deletion = delete_batch(filing.rt, filing.batch_id, force=True)  # one court is a draft
    assert (deletion.rows["rulings"], deletion.rows["ruling_exceptions"]) == (2, 1)
    assert filing.rt.store.rulings.of_batch(filing.batch_id) == {}
    assert not (filing.rt.settings.output_dir / first.row.order_path).exists()


def test_check_finds_a_changed_signed_order_a_missing_clerk_import_and_a_ruling_of_a_draft(
    filing: FinalFiling,
) -> None:
    def ruling_problems() -> list[str]:
        result = check_batch(filing.rt.store, filing.rt.settings.output_dir, filing.batch_id)
        return [problem for problem in result.violations if problem.startswith("ruling ")]

    recorded = record(filing)
    assert ruling_problems() == []

    output = filing.rt.settings.output_dir
    (output / recorded.row.order_path).write_bytes(ORDER_PDF + b"% altered\n")
    (output / recorded.row.clerk_import_path).unlink()
    filing.rt.store.rulings.record(replace(recorded.row, court_code=filing.draft_court), [])  # as if forced

    assert ruling_problems() == [
        f"ruling v1 of {filing.court}: its signed order {recorded.row.order_path} changed since it was"
        " recorded",
        f"ruling v1 of {filing.court}: its clerk import {recorded.row.clerk_import_path} is missing",
        f"ruling v1 of {filing.draft_court}: recorded for a filing that is not final (approved and published"
        " signed)",
        f"ruling v1 of {filing.draft_court}: its signed order {recorded.row.order_path} changed since it was"
        " recorded",
        f"ruling v1 of {filing.draft_court}: its clerk import {recorded.row.clerk_import_path} is missing",
    ]


def test_a_recording_that_loses_a_race_leaves_the_winners_files_and_no_temporary_file(
    filing: FinalFiling, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = record(filing)
    monkeypatch.setattr(filing.rt.store.rulings, "latest", lambda *_: None)  # read before the winner

    with pytest.raises(ConflictError, match=r"ruling version 1 of the .* was recorded meanwhile"):
        record(filing, order=filing.order(ORDER_PDF + b"% the loser\n", "loser.pdf"), judge="Hon. Loser")

    output = filing.rt.settings.output_dir
    assert (output / winner.row.order_path).read_bytes() == ORDER_PDF
    clerk = output / winner.row.clerk_import_path
    assert hashlib.sha256(clerk.read_bytes()).hexdigest() == winner.row.clerk_import_sha256
    assert sorted(p.name for p in clerk.parent.iterdir()) == [
        "ruling-v001-clerk-import.csv",
        "ruling-v001-order.pdf",
    ]


def test_the_lifecycle_goes_from_draft_to_approved_to_filing_published_to_ruled(filing: FinalFiling) -> None:
    def lifecycle(court: str) -> str:
        report = batch_status(filing.rt, filing.batch_id)
        assert report is not None
        return report.courts[court].lifecycle

    assert (lifecycle(filing.draft_court), lifecycle(filing.court)) == ("draft", "filing published")
    approve_filing(filing.rt, filing.batch_id, [filing.draft_court], **ATTORNEY, email=None, actor="a")
    assert lifecycle(filing.draft_court) == "approved"
    with pytest.raises(ConflictError) as refused:
        record(filing, court=filing.draft_court)
    assert str(refused.value).endswith("is approved, its signed filing not published yet")
    record(filing)
    assert lifecycle(filing.court) == "ruled"
    report = batch_status(filing.rt, filing.batch_id)
    assert report is not None
    assert report.model_dump(mode="json")["courts"][filing.court]["lifecycle"] == "ruled"  # in --json too
