"""gogen's files, imported and submitted by `courtdocs import gogen --submit`, render to draft bundles.

The real command, worker and publisher: each court gets its draft omnibus filing (no attorney has
approved it yet), whose Exhibit A lists that court's imported cases and no other court's.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from service.core.states import BatchState
from service.pipeline.status import batch_status
from tests.faults.fault_helpers import FAST
from tests.pdftools import pdf_text
from tests.pipeline_helpers import make_pipeline
from tests.unit.importing.gogen_files import write_documented


def test_an_imported_batch_is_submitted_and_published_per_court(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out", **FAST)
    try:
        results, contacts, office = write_documented(tmp_path)
        out = tmp_path / "decisions.jsonl"
        done = pipeline.courtdocs(
            "import", "gogen", str(results), "--contacts", str(contacts), "--office", str(office),
            "--out", str(out), "--submit", "--filing", "omnibus",
        )  # fmt: skip
        assert "12 result row(s): 4 decision(s) with 4 count(s)" in done.stdout
        batch_id = re.search(r"^batch (b[0-9]{8}-[0-9a-f]{10}): 4 decision\(s\) submitted", done.stdout, re.M)
        assert batch_id, done.stdout
        pipeline.courtdocs("worker", "--burst")
        report = batch_status(pipeline.runtime(), batch_id.group(1))
        assert report is not None and report.state is BatchState.PUBLISHED, report
        assert sorted(report.courts) == ["LA-CCB", "LA-LBC"]
        exhibits = {}
        for code, court in report.courts.items():
            assert court.bundle is not None and court.bundle.path is not None
            folder = tmp_path / code
            with zipfile.ZipFile(pipeline.output / court.bundle.path) as archive:
                archive.extractall(folder)
            (exhibit,) = sorted(folder.glob("omnibus/*exhibit-a-part-001.pdf"))
            exhibits[code] = " ".join(pdf_text(exhibit).split())
            assert "DRAFT" in pdf_text(folder / "omnibus/hsc-11361.9-omnibus-motion.pdf")
        assert all(number in exhibits["LA-CCB"] for number in ("BA100001", "BA100002", "BA300003"))
        assert "LB200001" in exhibits["LA-LBC"] and "BA100001" not in exhibits["LA-LBC"]
    finally:
        pipeline.close()
