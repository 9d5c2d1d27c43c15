"""Publish one court batch: omnibus filing, Exhibit A in parts, clerk import, manifest, bundle ZIP."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from service.bundle import (
    CLERK_IMPORT,
    BundleFile,
    Manifest,
    clerk_import_rows,
    verify_bundle,
    write_bundle,
    write_csv,
)
from service.errors import StorageError
from service.files import remove_temp_files, safe_part, write_atomic
from service.models import Basis, Decision, from_stored
from service.plan import person_key
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import DocumentHtml, OmnibusSummary, summarize
from service.settings import Settings
from service.store import DocumentRow, Store

log = logging.getLogger("courtdocs.publish")
LIBRARIES = ("courtdocs", "weasyprint", "python-docx", "jinja2", "pydantic", "sqlalchemy", "rq")


@dataclass
class _CourtScan:
    """What one streaming pass over a court batch's decisions learns."""

    decisions: int = 0
    filer: Decision | None = None
    case_numbers: dict[str, str] = field(default_factory=dict)  # decision_id -> case number
    person_cases: dict[str, list[str]] = field(default_factory=dict)  # person key -> case numbers
    exhibit: list[BundleFile] = field(default_factory=list)
    cases: int = 0  # decisions that did not fail, listed in Exhibit A
    by_relief: Counter[str] = field(default_factory=Counter)
    bases: set[Basis] = field(default_factory=set)

    def add(self, decision: Decision) -> None:
        """Count a decision that goes into Exhibit A."""
        self.filer = self.filer or decision
        self.cases += 1
        self.by_relief.update(count.relief.value for count in decision.counts)
        self.bases.add(decision.basis)

    def summary(self) -> OmnibusSummary:
        return OmnibusSummary(
            cases=self.cases,
            counts=sum(self.by_relief.values()),
            parts=len(self.exhibit),
            by_relief=tuple(self.by_relief.items()),
            bases=tuple(sorted(self.bases)),
        )


def publish(
    settings: Settings,
    store: Store,
    renderer: Renderer,
    batch_id: str,
    court_code: str,
    *,
    token: str,
    renew: Callable[[], None],
) -> dict[str, Any]:
    """Build the court batch's bundle and publish it as a new version if its contents changed.

    `token` owns the publication; `renew` extends its lease and is called between long steps.
    """
    court = next((c for c in store.courts_of(batch_id) if c["court_code"] == court_code), None)
    if court is None or court["state"] == "published":
        return {"batch_id": batch_id, "court": court_code, "published": False}
    documents = store.documents_of(batch_id, court_code)
    if any(doc.state == "pending" for doc in documents):
        raise StorageError(f"court batch {batch_id}/{court_code} still has pending documents")
    failed = {doc.subject: doc.last_error or "failed" for doc in documents if doc.state == "failed"}
    work = settings.output_dir / "batches" / safe_part(batch_id) / "omnibus" / safe_part(court_code)
    _remove_leftovers(settings, store, batch_id, court_code)

    batch = store.batch(batch_id)
    if batch is None:
        raise StorageError(f"no batch {batch_id}")
    salt = batch["person_salt"]
    scan = _scan_court(settings, store, renderer, batch_id, court_code, failed, work, salt, renew)
    files = _omnibus_files(renderer, scan, work)
    files += scan.exhibit
    files.append(_clerk_import(store, batch_id, court_code, failed, work))
    files += _document_files(settings, documents, failed, scan)
    manifest = Manifest(
        batch_id=batch_id,
        court_code=court_code,
        court_name=scan.filer.court.name if scan.filer else "",
        courthouse=scan.filer.court.courthouse if scan.filer else "",
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        template_version=renderer.templates.version,
        libraries={name: _version(name) for name in LIBRARIES},
        files=files,
        failures=_failures(documents, scan),
    )
    bundle = _write_new_version(settings, store, batch_id, court_code, manifest)
    batch_done = store.record_publication(batch_id, court_code, bundle, token)
    log.info("published batch %s court %s (new version: %s)", batch_id, court_code, bundle is not None)
    return {"batch_id": batch_id, "court": court_code, "published": True, "batch_done": batch_done}


def _scan_court(
    settings: Settings,
    store: Store,
    renderer: Renderer,
    batch_id: str,
    court_code: str,
    failed: dict[str, str],
    work: Path,
    person_salt: str,
    renew: Callable[[], None],
) -> _CourtScan:
    """Stream the court's decisions once: render Exhibit A part by part and note case numbers."""
    scan = _CourtScan()
    part: list[Decision] = []
    for decision in _decisions(store, batch_id, court_code):
        scan.decisions += 1
        scan.case_numbers[decision.decision_id] = decision.case.number
        scan.person_cases.setdefault(person_key(decision, person_salt), []).append(decision.case.number)
        if decision.decision_id in failed:
            continue
        scan.add(decision)
        part.append(decision)
        if len(part) >= settings.omnibus_part_decisions:
            scan.exhibit += _render_exhibit(settings, renderer, part, len(scan.exhibit) + 1, work)
            part = []
            renew()
    if part:
        scan.exhibit += _render_exhibit(settings, renderer, part, len(scan.exhibit) + 1, work)
    return scan


def _decisions(store: Store, batch_id: str, court_code: str) -> Iterator[Decision]:
    for _, payload in store.court_payloads(batch_id, court_code):
        yield from_stored(payload)


def _render_exhibit(
    settings: Settings, renderer: Renderer, decisions: list[Decision], first_part: int, work: Path
) -> list[BundleFile]:
    """Render decisions as Exhibit A parts, halving a part until it fits the page and byte limits."""
    document = renderer.exhibit(first_part, decisions, summarize(decisions, parts=0))
    rendered = renderer.convert(document, OutputFormat.PDF)
    too_big = (rendered.pages or 0) > settings.bundle_max_pages or len(
        rendered.content
    ) > settings.bundle_max_bytes
    if too_big and len(decisions) > 1:
        half = len(decisions) // 2
        head = _render_exhibit(settings, renderer, decisions[:half], first_part, work)
        return head + _render_exhibit(settings, renderer, decisions[half:], first_part + len(head), work)
    if too_big:
        raise StorageError("one case alone exceeds the configured PDF page or byte limit")
    name = f"omnibus/exhibit-a-part-{first_part:03d}.pdf"
    return [_stored(work / Path(name).name, name, rendered.content, "exhibit", "pdf", rendered.pages)]


def _omnibus_files(renderer: Renderer, scan: _CourtScan, work: Path) -> list[BundleFile]:
    if scan.filer is None:
        return []
    summary = scan.summary()
    files = []
    for kind in (DocumentKind.OMNIBUS_MOTION, DocumentKind.OMNIBUS_ORDER):
        document: DocumentHtml = renderer.omnibus(kind, scan.filer, summary)
        rendered = renderer.convert(document, OutputFormat.PDF)
        name = f"omnibus/{kind.value.replace('_', '-')}.pdf"
        files.append(
            _stored(work / Path(name).name, name, rendered.content, kind.value, "pdf", rendered.pages)
        )
    return files


def _clerk_import(
    store: Store, batch_id: str, court_code: str, failed: dict[str, str], work: Path
) -> BundleFile:
    decisions = (d for d in _decisions(store, batch_id, court_code) if d.decision_id not in failed)
    target = work / CLERK_IMPORT
    sha256, size = write_csv(target, clerk_import_rows(decisions))
    return BundleFile(CLERK_IMPORT, target, "clerk_import", "csv", sha256, size)


def _document_files(
    settings: Settings, documents: list[DocumentRow], failed: dict[str, str], scan: _CourtScan
) -> list[BundleFile]:
    """Return the rendered case documents (of decisions that did not fail) and letters."""
    files = []
    for doc in documents:
        if doc.state != "rendered" or doc.subject in failed or doc.path is None or doc.sha256 is None:
            continue
        if doc.kind == DocumentKind.LETTER:
            name = f"letters/{doc.subject}.{doc.format}"
            decision_id, case_number = None, " ".join(scan.person_cases.get(doc.subject, []))
        else:
            case_number = scan.case_numbers[doc.subject]
            name = f"cases/{case_number}_{doc.subject}/{doc.kind}.{doc.format}"
            decision_id = doc.subject
        files.append(
            BundleFile(
                path=name,
                source=settings.output_dir / doc.path,
                kind=doc.kind,
                format=doc.format,
                sha256=doc.sha256,
                bytes=doc.bytes or 0,
                pages=doc.pages,
                decision_id=decision_id,
                case_number=case_number,
                language=doc.language,
                notes=doc.notes or "",
            )
        )
    return files


def _failures(documents: list[DocumentRow], scan: _CourtScan) -> list[dict[str, str]]:
    failures = []
    for doc in documents:
        if doc.state != "failed":
            continue
        case = (
            " ".join(scan.person_cases.get(doc.subject, []))
            if doc.kind == "letter"
            else scan.case_numbers.get(doc.subject, "")
        )
        failures.append(
            {
                "subject": doc.subject,
                "kind": doc.kind,
                "format": doc.format,
                "case_number": case,
                "reason": doc.last_error or "",
            }
        )
    return failures


def _stored(target: Path, name: str, content: bytes, kind: str, fmt: str, pages: int | None) -> BundleFile:
    write_atomic(target, content)
    return BundleFile(name, target, kind, fmt, hashlib.sha256(content).hexdigest(), len(content), pages)


def _remove_leftovers(settings: Settings, store: Store, batch_id: str, court_code: str) -> None:
    """Remove what killed writers left in the court's folders: temporary files, unrecorded bundles.

    Safe because the caller owns the publication and no document of the court is pending, so no
    live job writes there; a bundle version above the latest recorded one was never published.
    """
    batch_dir = settings.output_dir / "batches" / safe_part(batch_id)
    for area in ("documents", "omnibus", "bundles"):
        remove_temp_files(batch_dir / area / safe_part(court_code))
    latest = store.latest_bundle(batch_id, court_code)
    recorded = latest["version"] if latest else 0
    for path in (batch_dir / "bundles" / safe_part(court_code)).glob(f"{batch_id}-{court_code}-v*.zip"):
        version = path.stem.rsplit("-v", 1)[-1]
        if version.isdigit() and int(version) > recorded:
            path.unlink(missing_ok=True)


def _write_new_version(
    settings: Settings, store: Store, batch_id: str, court_code: str, manifest: Manifest
) -> dict[str, Any] | None:
    """Write the bundle as the next version unless the latest already holds exactly these contents."""
    digest = manifest.content_digest()
    latest = store.latest_bundle(batch_id, court_code)
    if latest is not None and latest["content_digest"] == digest:
        return None
    version = (latest["version"] + 1) if latest else 1
    folder = f"batches/{safe_part(batch_id)}/bundles/{safe_part(court_code)}"
    relative = f"{folder}/{batch_id}-{court_code}-v{version:03d}.zip"
    # A file at this path was never recorded (a publisher died before recording it): only the
    # owner of the publication writes here, and a recorded version is never written again.
    target = settings.output_dir / relative
    try:
        sha256, size = write_bundle(target, manifest)
    except OSError as error:
        raise StorageError(f"cannot write the bundle {target.name}: {error.strerror or error}") from error
    problems = verify_bundle(target)
    if problems:
        target.unlink()
        raise StorageError(f"bundle failed verification: {problems[0]}")
    return {
        "version": version,
        "path": relative,
        "sha256": sha256,
        "bytes": size,
        "content_digest": digest,
        "created_at": datetime.now(UTC),
    }


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
