"""Publish one court batch: an omnibus filing per basis with its Exhibit A, clerk import, manifest, ZIP."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from service.bundle.layout import (
    CLERK_IMPORT,
    Area,
    bundle_folder,
    bundle_path,
    bundle_version_of,
    case_entry,
    court_folder,
    exhibit_entry,
    letter_entry,
    omnibus_entry,
    omnibus_file,
    omnibus_folder,
)
from service.bundle.manifest import (
    BundleFile,
    Entries,
    Manifest,
    clerk_import_rows,
    write_bundle,
    write_csv,
)
from service.bundle.verify import verify_bundle
from service.core.files import remove_temp_files, write_atomic
from service.core.kinds import exhibit_variants
from service.core.models import Basis, Decision, from_stored
from service.core.states import CourtState, DocumentState
from service.db.rows import DocumentRow, NewBundle
from service.db.store import Store
from service.errors import (
    BundleLimitError,
    BundleVerificationError,
    BusyError,
    PublicationTakenOverError,
    StorageUnavailableError,
    failure_reason,
)
from service.pipeline.runtime import Runtime
from service.render import DocumentKind, OutputFormat, Renderer
from service.render.documents import (
    DocumentHtml,
    ExhibitPart,
    OmnibusSummary,
    RenderedDocument,
    omnibus_kinds,
    summarize,
)
from service.settings import Settings

log = logging.getLogger("courtdocs.publish")
LIBRARIES = ("courtdocs", "weasyprint", "python-docx", "jinja2", "pydantic", "sqlalchemy", "rq")
# One omnibus filing per basis, never both in one: the People's motion (11361.9), then their
# response to the persons' petitions/applications (11361.8).
FILINGS = (Basis.PROSECUTOR_REVIEW, Basis.PETITION)


@dataclass
class _CourtScan:
    """What one streaming pass over a court batch's decisions learns of the cases of one basis."""

    filer: Decision | None = None
    exhibit: list[list[BundleFile]] = field(default_factory=list)  # each part, in every version
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
    Memory hardly grows with the court's size: decisions and documents are streamed from the
    database, and the file list, the manifest and the ZIP's directory are spooled to disk.
    """
    court = next((c for c in store.publications.courts_of(batch_id) if c.court_code == court_code), None)
    if court is None or court.state is CourtState.PUBLISHED:
        return {"batch_id": batch_id, "court": court_code, "published": False}
    if not store.publications.court_finished(batch_id, court_code):
        raise BusyError(f"court batch {batch_id}/{court_code} still has pending documents")
    failed = store.documents.failed_subjects(batch_id, court_code)
    work = settings.output_dir / omnibus_folder(batch_id, court_code)
    _remove_leftovers(settings, store, batch_id, court_code)

    scans = _scan_court(settings, store, renderer, batch_id, court_code, failed, work, renew)
    filer = next((scan.filer for scan in scans if scan.filer), None)
    with Entries(work) as entries:
        for scan in scans:
            for item in _omnibus_files(renderer, scan, work) + [f for part in scan.exhibit for f in part]:
                entries.add(item)
        entries.add(_clerk_import(store, batch_id, court_code, failed, work))
        _list_documents(settings, store, batch_id, court_code, failed, entries)
        renew()
        manifest = Manifest(
            batch_id=batch_id,
            court_code=court_code,
            court_name=filer.court.name if filer else "",
            courthouse=filer.court.courthouse if filer else "",
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            template_version=renderer.templates.version,
            libraries={name: _version(name) for name in LIBRARIES},
            entries=entries,
        )
        bundle = _write_new_version(settings, store, batch_id, court_code, manifest)
    batch_done = store.publications.record(batch_id, court_code, bundle, token)
    log.info("published batch %s court %s (new version: %s)", batch_id, court_code, bundle is not None)
    return {"batch_id": batch_id, "court": court_code, "published": True, "batch_done": batch_done}


def _scan_court(
    settings: Settings,
    store: Store,
    renderer: Renderer,
    batch_id: str,
    court_code: str,
    failed: set[str],
    work: Path,
    renew: Callable[[], None],
) -> list[_CourtScan]:
    """Stream the court's decisions, rendering each basis's own Exhibit A part by part.

    Each basis is one omnibus filing with its own exhibit (FILINGS). Its cases are counted first,
    so every part says "Part i of n" and which cases it holds; a part over the e-filing limits
    makes every part of that exhibit half as long, and the exhibit is rendered again: each part
    still holds the same number of cases and knows n.
    """
    listed = _listed_by_basis(store, batch_id, court_code, failed)
    scans = []
    for basis in FILINGS:
        if not listed[basis]:
            continue
        part_size = settings.omnibus_part_decisions
        court = (batch_id, court_code)
        while (
            scan := _scan_parts(
                settings, store, renderer, court, failed, work, renew, (basis, listed[basis]), part_size
            )
        ) is None:
            part_size = (part_size + 1) // 2
            log.info("Exhibit A of %s/%s over the e-filing limits: parts of %d cases", *court, part_size)
        scans.append(scan)
    return scans


def _listed_by_basis(store: Store, batch_id: str, court_code: str, failed: set[str]) -> Counter[Basis]:
    """Count the cases each basis lists in its Exhibit A (decisions that did not fail), streaming."""
    listed: Counter[Basis] = Counter()
    for decision_id, payload in store.batches.court_payloads(batch_id, court_code):
        if decision_id not in failed:
            listed[Basis(json.loads(payload)["basis"])] += 1
    return listed


def _scan_parts(
    settings: Settings,
    store: Store,
    renderer: Renderer,
    court: tuple[str, str],
    failed: set[str],
    work: Path,
    renew: Callable[[], None],
    basis_listed: tuple[Basis, int],
    part_size: int,
) -> _CourtScan | None:
    """Render one basis's Exhibit A in parts of `part_size` cases; None if a part is over the limits."""
    basis, listed = basis_listed
    scan = _CourtScan()
    parts = -(-listed // part_size)
    part: list[Decision] = []
    for decision in _decisions(store, *court):
        if decision.decision_id in failed or decision.basis is not basis:
            continue
        scan.add(decision)
        part.append(decision)
        if len(part) >= part_size or scan.cases == listed:
            place = ExhibitPart(len(scan.exhibit) + 1, parts, scan.cases - len(part) + 1, len(part), listed)
            rendered = _render_exhibit(settings, renderer, part, place, work)
            if rendered is None:
                return None
            scan.exhibit.append(rendered)
            part = []
            renew()
    if part or scan.cases != listed:
        raise BusyError(f"court batch {court[0]}/{court[1]} changed while its exhibit was rendered")
    return scan


def _decisions(store: Store, batch_id: str, court_code: str) -> Iterator[Decision]:
    for _, payload in store.batches.court_payloads(batch_id, court_code):
        yield from_stored(payload)


def _render_exhibit(
    settings: Settings, renderer: Renderer, decisions: list[Decision], place: ExhibitPart, work: Path
) -> list[BundleFile] | None:
    """Render one part of Exhibit A in every version the court gets (confidential, public…).

    None if a version is over the e-filing limits and the part could be shorter: the versions
    share their parts, so a confidential part and its public version list the same cases.
    """
    files = []
    for variant in exhibit_variants(settings, decisions[0].court.code):
        document = renderer.exhibit(place, decisions, summarize(decisions, parts=place.of), variant=variant)
        rendered = renderer.convert(document, OutputFormat.PDF)
        if _over_limits(settings, rendered) and len(decisions) > 1:
            return None
        if _over_limits(settings, rendered):
            raise BundleLimitError(
                f"part {place.number} of Exhibit A, one case, has {rendered.pages} pages and "
                f"{len(rendered.content)} bytes: over the e-filing limits of {settings.efiling_max_pages} "
                f"pages and {settings.efiling_max_bytes} bytes"
            )
        name = exhibit_entry(place.number, decisions[0].basis, variant)
        files.append(
            _stored(work / omnibus_file(name), name, rendered.content, "exhibit", "pdf", rendered.pages)
        )
    return files


def _over_limits(settings: Settings, rendered: RenderedDocument) -> bool:
    too_long = (rendered.pages or 0) > settings.efiling_max_pages
    return too_long or len(rendered.content) > settings.efiling_max_bytes


def _omnibus_files(renderer: Renderer, scan: _CourtScan, work: Path) -> list[BundleFile]:
    if scan.filer is None:
        return []
    summary = scan.summary()
    files = []
    for kind in omnibus_kinds(scan.filer.basis):
        document: DocumentHtml = renderer.omnibus(kind, scan.filer, summary)
        rendered = renderer.convert(document, OutputFormat.PDF)
        name = omnibus_entry(kind, scan.filer.basis)
        files.append(
            _stored(work / omnibus_file(name), name, rendered.content, kind.value, "pdf", rendered.pages)
        )
    return files


def _clerk_import(store: Store, batch_id: str, court_code: str, failed: set[str], work: Path) -> BundleFile:
    decisions = (d for d in _decisions(store, batch_id, court_code) if d.decision_id not in failed)
    target = work / omnibus_file(CLERK_IMPORT)
    sha256, size = write_csv(target, clerk_import_rows(decisions))
    return BundleFile(CLERK_IMPORT, target, "clerk_import", "csv", sha256, size)


def _list_documents(
    settings: Settings,
    store: Store,
    batch_id: str,
    court_code: str,
    failed: set[str],
    entries: Entries,
) -> None:
    """List the rendered case documents (of decisions that did not fail), letters, and failures."""
    for doc, case_numbers in store.documents.finished_documents(batch_id, court_code):
        if doc.state is DocumentState.FAILED:
            entries.add_failure(
                {
                    "subject": doc.subject,
                    "kind": doc.kind,
                    "format": doc.format,
                    "case_number": case_numbers,
                    "reason": doc.last_error or "",
                }
            )
        elif doc.subject not in failed and (item := _document_file(settings, doc, case_numbers)):
            entries.add(item)


def _document_file(settings: Settings, doc: DocumentRow, case_numbers: str) -> BundleFile | None:
    if doc.path is None or doc.sha256 is None:
        return None
    if doc.kind == DocumentKind.LETTER:
        name, decision_id = letter_entry(doc.subject, doc.format), None
    else:
        name, decision_id = case_entry(case_numbers, doc.subject, doc.kind, doc.format), doc.subject
    return BundleFile(
        path=name,
        source=settings.output_dir / doc.path,
        kind=doc.kind,
        format=doc.format,
        sha256=doc.sha256,
        bytes=doc.bytes or 0,
        pages=doc.pages,
        decision_id=decision_id,
        case_number=case_numbers,
        language=doc.language,
        notes=doc.notes or "",
    )


def _stored(target: Path, name: str, content: bytes, kind: str, fmt: str, pages: int | None) -> BundleFile:
    write_atomic(target, content)
    return BundleFile(name, target, kind, fmt, hashlib.sha256(content).hexdigest(), len(content), pages)


def _remove_leftovers(settings: Settings, store: Store, batch_id: str, court_code: str) -> None:
    """Remove what killed writers left in the court's folders: temporary files, unrecorded bundles.

    Safe because the caller owns the publication and no document of the court is pending, so no
    live job writes there; a bundle version above the latest recorded one was never published.
    """
    for area in Area:
        remove_temp_files(settings.output_dir / court_folder(batch_id, area, court_code))
    latest = store.publications.latest_bundle(batch_id, court_code)
    recorded = latest.version if latest else 0
    for path in (settings.output_dir / bundle_folder(batch_id, court_code)).glob("*"):
        version = bundle_version_of(path, batch_id, court_code)
        if version is not None and version > recorded:
            path.unlink(missing_ok=True)


def _write_new_version(
    settings: Settings, store: Store, batch_id: str, court_code: str, manifest: Manifest
) -> NewBundle | None:
    """Write the bundle as the next version unless the latest already holds exactly these contents."""
    digest = manifest.entries.content_digest()
    latest = store.publications.latest_bundle(batch_id, court_code)
    if latest is not None and latest.content_digest == digest:
        return None
    version = (latest.version + 1) if latest else 1
    relative = bundle_path(batch_id, court_code, version)
    # A file at this path was never recorded (a publisher died before recording it): only the
    # owner of the publication writes here, and a recorded version is never written again.
    target = settings.output_dir / relative
    try:
        sha256, size = write_bundle(target, manifest)
    except OSError as error:
        reason = error.strerror or error
        raise StorageUnavailableError(f"cannot write the bundle {target.name}: {reason}") from error
    problems = verify_bundle(target)
    if problems:
        target.unlink()
        raise BundleVerificationError(f"bundle failed verification: {problems[0]}")
    return NewBundle(
        final=False,  # TODO(approval): True once the court filing is approved
        version=version,
        path=relative,
        sha256=sha256,
        bytes=size,
        content_digest=digest,
        created_at=datetime.now(UTC),
    )


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def publish_as_owner(rt: Runtime, batch_id: str, court_code: str) -> dict[str, Any]:
    """Take the publication of one court batch, then build and publish its bundle as its one owner."""
    token = secrets.token_hex(8)
    lease = timedelta(seconds=rt.settings.publish_lease)
    if not rt.store.publications.take(batch_id, court_code, lease, token):
        return {"batch_id": batch_id, "court": court_code, "published": False, "reason": "owned elsewhere"}

    def renew() -> None:
        if not rt.store.publications.take(batch_id, court_code, lease, token):
            raise PublicationTakenOverError(f"publication of {batch_id}/{court_code} was taken over")

    try:
        return publish(rt.settings, rt.store, rt.renderer, batch_id, court_code, token=token, renew=renew)
    except BaseException as error:
        reason = failure_reason(error)
        log.warning("publication of batch %s court %s failed: %s", batch_id, court_code, reason)
        rt.store.publications.release(batch_id, court_code, token, reason)
        raise
