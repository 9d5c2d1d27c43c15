"""`courtdocs doj-report`: the DOJ disposition report of a court's latest ruling, through the real command."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from service.cli.main import EXIT_CONFLICT
from tests.ruling_helpers import FinalFiling, final_filing


@pytest.fixture
def filing(tmp_path: Path) -> Iterator[FinalFiling]:
    with final_filing(tmp_path / "out", fail=1) as made:
        yield made


def test_the_report_has_a_row_per_filed_count_with_each_outcome_and_its_due_date(filing: FinalFiling) -> None:
    refused = filing.pipeline.courtdocs("doj-report", filing.batch_id, "--court", filing.court, check=False)
    assert refused.returncode == EXIT_CONFLICT and "no ruling yet" in refused.stderr
    denied = filing.filed[0]
    exceptions = filing.exceptions(f"case_number,count,outcome,note\n{denied.case.number},1,denied,\n")
    signed_on = filing.today - timedelta(days=3)
    filing.pipeline.courtdocs(
        "ruling", filing.batch_id, "--court", filing.court, "--order", str(filing.order()),
        "--signed-on", signed_on.isoformat(), "--exceptions", str(exceptions),
    )  # fmt: skip

    result = filing.pipeline.courtdocs("doj-report", filing.batch_id, "--court", filing.court)
    lines = result.stdout.splitlines()
    csv_path = Path(lines[1].strip().split(" (")[0])
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    counts = sum(len(decision.counts) for decision in filing.filed)  # the failed case is not filed
    assert len(rows) == 1 + counts
    assert f"({counts} rows, sha256 " in lines[1] and f"({counts} rows, sha256 " in lines[2]
    text = csv_path.read_text(encoding="utf-8")
    assert filing.failed[0].case.number not in text
    assert all(decision.case.number in text for decision in filing.filed)
    header, body = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert "DISPOSITION" in header and "DISPOSITION DATE" in header
    of_denied = [row for row in body if row["COURT DOCKET NUMBER"] == denied.case.number]
    assert (of_denied[0]["COUNT"], of_denied[0]["DISPOSITION"]) == ("1", "RELIEF DENIED")
    assert {row["DISPOSITION DATE"] for row in body} == {signed_on.strftime("%Y%m%d")}
    assert all(row["DISPOSITION"] != "RELIEF DENIED" for row in body if row not in of_denied[:1])
    assert lines[3].strip() == f"due {(signed_on + timedelta(days=30)).isoformat()}: 27 days left"
