"""The DOJ disposition report of a court's latest ruling (PC 13151, 13151.1): CSV and fixed width."""

from __future__ import annotations

from dataclasses import dataclass

from service.bundle.doj_report import WrittenReport, report_rows, write_report_files
from service.bundle.layout import doj_report_paths
from service.core.doj import ReportDeadline, report_deadline
from service.core.doj_mapping import load_mapping
from service.core.models import from_stored
from service.db.sql import now
from service.errors import ConflictError
from service.pipeline.approve import filing_date
from service.pipeline.runtime import Runtime


@dataclass(frozen=True)
class DojReport:
    """The report files written for one ruling version, and when the report is due."""

    version: int
    csv: WrittenReport
    fixed_width: WrittenReport
    deadline: ReportDeadline


def write_doj_report(rt: Runtime, batch_id: str, court_code: str) -> DojReport:
    """Write the DOJ report of the court's latest ruling: one row per filed case and count.

    The columns come from the mapping file (COURTDOCS_DOJ_MAPPING; docs/doj-report.md). A court
    with no ruling has nothing to report yet. Writing it again writes the same bytes.
    """
    row = rt.store.rulings.latest(batch_id, court_code)
    if row is None:
        filing = f"the {court_code} filing of batch {batch_id}"
        raise ConflictError(f"{filing} has no ruling yet: nothing to report to DOJ")
    ruling = rt.store.rulings.ruling(row)
    mapping = load_mapping(rt.settings.doj_mapping)
    left_out = rt.store.documents.failed_subjects(batch_id, court_code)
    decisions = (
        from_stored(payload)
        for decision_id, payload in rt.store.batches.court_payloads(batch_id, court_code)
        if decision_id not in left_out
    )
    csv_path, fixed_path = doj_report_paths(batch_id, court_code, ruling.version)
    output = rt.settings.output_dir
    written = write_report_files(
        output / csv_path, output / fixed_path, report_rows(decisions, ruling, mapping.fields), mapping
    )
    deadline = report_deadline(ruling.signed_on, filing_date(now()))
    return DojReport(ruling.version, written[0], written[1], deadline)
