"""The facts `courtdocs check` looks at, read once from the database and the output folder.

The rules (service/pipeline/check.py) are pure functions of these facts, so tests can hand them
any state, good or broken.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.bundle.layout import BUNDLE_SUFFIX, CLERK_IMPORT, MANIFEST_JSON, Area, area_folder, batch_folder
from service.bundle.manifest import file_digest
from service.bundle.verify import verify_bundle
from service.core.files import temp_files
from service.core.states import DocumentState
from service.db.rows import BatchRow, BundleRow, CourtBatchRow, DecisionRow, DocumentRow
from service.db.store import Store
from service.pipeline.check_rulings import RulingFacts, gather_rulings


@dataclass(frozen=True)
class DecisionFacts:
    """What the check needs of one submitted decision."""

    decision_id: str
    court_code: str
    case_number: str
    person_key: str
    notify: bool
    basis: str


@dataclass(frozen=True)
class BundleFacts:
    """One recorded bundle version: what the database says and what the file holds."""

    court_code: str
    version: int
    path: str
    recorded_sha256: str
    recorded_bytes: int
    actual: tuple[str, int] | None  # the file's SHA-256 and size; None when the file is missing
    problems: list[str]  # verify_bundle's findings
    manifest: dict[str, Any]
    clerk_decisions: list[str]  # decision ids in the clerk import file
    final: bool = False  # recorded as signed; else a draft


@dataclass(frozen=True)
class BatchFacts:
    """Everything the rules look at, read once."""

    batch: BatchRow
    courts: list[CourtBatchRow]
    decisions: list[DecisionFacts]
    documents: list[DocumentRow]
    bundles: list[BundleFacts]
    approved_courts: set[str] = field(default_factory=set)  # courts whose filing an attorney approved
    file_hashes: dict[int, str | None] = field(default_factory=dict)  # rendered document id -> on disk
    temp_files: list[str] = field(default_factory=list)
    unrecorded_bundles: list[str] = field(default_factory=list)
    rulings: list[RulingFacts] = field(default_factory=list)

    def latest(self) -> dict[str, BundleFacts]:
        """Return the latest recorded bundle of each court."""
        latest: dict[str, BundleFacts] = {}
        for bundle in self.bundles:
            if bundle.court_code not in latest or bundle.version > latest[bundle.court_code].version:
                latest[bundle.court_code] = bundle
        return latest


def gather(store: Store, output_dir: Path, batch_id: str) -> BatchFacts | None:
    """Read the batch's rows, its bundles and its folder."""
    batch = store.batches.batch(batch_id)
    if batch is None:
        return None
    courts = store.publications.courts_of(batch_id)
    documents = [doc for court in courts for doc in store.documents.of_court(batch_id, court.court_code)]
    recorded = store.publications.bundles_of(batch_id)
    folder = output_dir / batch_folder(batch_id)
    return BatchFacts(
        batch=batch,
        courts=courts,
        decisions=[_decision_facts(row) for row in store.batches.decision_rows(batch_id)],
        documents=documents,
        bundles=[_bundle_facts(output_dir, row) for row in recorded],
        approved_courts=set(store.approvals.of_batch(batch_id)),
        file_hashes={
            doc.id: _hash_of(output_dir, doc.path) for doc in documents if doc.state is DocumentState.RENDERED
        },
        temp_files=[str(path.relative_to(output_dir)) for path in temp_files(folder)],
        unrecorded_bundles=_unrecorded(output_dir, batch_id, recorded),
        rulings=gather_rulings(store, output_dir, batch_id),
    )


def _decision_facts(row: DecisionRow) -> DecisionFacts:
    payload = json.loads(row.payload)
    notify = bool(payload.get("person", {}).get("notify", True))
    basis = str(payload.get("basis", ""))
    return DecisionFacts(row.decision_id, row.court_code, row.case_number, row.person_key, notify, basis)


def _hash_of(output_dir: Path, relative: str | None) -> str | None:
    path = output_dir / relative if relative else None
    return file_digest(path)[0] if path is not None and path.is_file() else None


def _bundle_facts(output_dir: Path, row: BundleRow) -> BundleFacts:
    path = output_dir / row.path
    actual = file_digest(path) if path.is_file() else None
    manifest, clerk = _read_bundle(path) if actual else ({}, [])
    return BundleFacts(
        court_code=row.court_code,
        version=row.version,
        path=row.path,
        recorded_sha256=row.sha256,
        recorded_bytes=row.bytes,
        actual=actual,
        problems=verify_bundle(path) if actual else [],
        manifest=manifest,
        clerk_decisions=clerk,
        final=row.final,
    )


def _read_bundle(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Return a bundle's manifest and the decision ids of its clerk import file (empty if unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST_JSON))
            rows = csv.DictReader(io.StringIO(archive.read(CLERK_IMPORT).decode("utf-8")))
            return manifest, [row["decision_id"] for row in rows]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return {}, []  # verify_bundle reports what is wrong with it


def _unrecorded(output_dir: Path, batch_id: str, recorded: list[BundleRow]) -> list[str]:
    known = {row.path for row in recorded}
    bundles = output_dir / area_folder(batch_id, Area.BUNDLES)
    found = (str(path.relative_to(output_dir)) for path in bundles.rglob(f"*{BUNDLE_SUFFIX}"))
    return sorted(path for path in found if path not in known)
