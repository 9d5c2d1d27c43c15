"""Publish one court batch's filing: its documents, clerk import, manifest and ZIP, as a draft or final.

The filing is omnibus (service.pipeline.omnibus renders it here, per basis) or per case (the
workers rendered every case's documents). It is a draft, every page marked so, until the court's
signing attorney approves it (service.pipeline.approve); then it is published again, signed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

from service.bundle.layout import (
    CLERK_IMPORT,
    Area,
    bundle_folder,
    bundle_path,
    bundle_version_of,
    case_entry,
    court_folder,
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
from service.core.files import remove_temp_files
from service.core.filing import FilingMode
from service.core.states import CourtState, DocumentState
from service.db.rows import DocumentRow, NewBundle
from service.db.store import Store
from service.errors import (
    BundleVerificationError,
    BusyError,
    PublicationTakenOverError,
    StorageUnavailableError,
    UnrenderableCasesError,
    failure_reason,
)
from service.pipeline.indexing import filing_index
from service.pipeline.omnibus import CourtFiling, omnibus_filings
from service.pipeline.runtime import Runtime
from service.render import Renderer
from service.settings import Settings

log = logging.getLogger("courtdocs.publish")
LIBRARIES = ("courtdocs", "weasyprint", "python-docx", "jinja2", "pydantic", "sqlalchemy", "rq")


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
    batch = store.batches.batch(batch_id)
    if court is None or batch is None or court.state is CourtState.PUBLISHED:
        return {"batch_id": batch_id, "court": court_code, "published": False}
    if not store.publications.court_finished(batch_id, court_code):
        raise BusyError(f"court batch {batch_id}/{court_code} still has pending documents")
    approval = store.approvals.of_court(batch_id, court_code)
    work = settings.output_dir / omnibus_folder(batch_id, court_code)
    _remove_leftovers(settings, store, batch_id, court_code)
    signer = approval.signer() if approval else None
    failed = frozenset(store.documents.failed_subjects(batch_id, court_code))
    job = CourtFiling(settings, store, renderer, batch_id, court_code, failed, work, renew, signer)
    filings = _omnibus_filings(job) if batch.filing is FilingMode.OMNIBUS else []
    job = replace(job, failed=frozenset(store.documents.failed_subjects(batch_id, court_code)))
    court_of = job.first_decision().court
    with Entries(work) as entries:
        for item in filings:
            entries.add(item)
        entries.add(_clerk_import(job))
        missing = _list_documents(settings, store, batch_id, court_code, job.failed, entries)
        renew()
        index, index_file = filing_index(job, court_of.name, batch.filing, entries.files(), missing)
        entries.add_first(index_file)
        manifest = Manifest(
            batch_id=batch_id,
            court_code=court_code,
            court_name=court_of.name,
            courthouse=court_of.courthouse,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            template_version=renderer.templates.version,
            libraries={name: _version(name) for name in LIBRARIES},
            entries=entries,
            filing_index=index.as_dict(),
        )
        final = approval is not None
        bundle = _write_new_version(settings, store, batch_id, court_code, manifest, final=final)
    batch_done = store.publications.record(batch_id, court_code, bundle, token)
    log.info("published batch %s court %s (new version: %s)", batch_id, court_code, bundle is not None)
    return {"batch_id": batch_id, "court": court_code, "published": True, "batch_done": batch_done}


def _omnibus_filings(job: CourtFiling) -> list[BundleFile]:
    """Render the court's omnibus filings, leaving out (and recording as failed) cases that cannot render.

    Each round leaves out at least one case, so it ends; the filing is then published incomplete.
    """
    while True:
        try:
            return omnibus_filings(job)
        except UnrenderableCasesError as error:
            log.warning(
                "batch %s court %s: %d case(s) left out of the filing: %s",
                job.batch_id,
                job.court_code,
                len(error.reasons),
                ", ".join(sorted(error.reasons)),
            )
            job.store.documents.record_left_out(job.batch_id, job.court_code, error.reasons)
            job = replace(job, failed=job.failed | set(error.reasons))


def _clerk_import(job: CourtFiling) -> BundleFile:
    target = job.work / omnibus_file(CLERK_IMPORT)
    sha256, size = write_csv(target, clerk_import_rows(job.decisions()))
    return BundleFile(CLERK_IMPORT, target, "clerk_import", "csv", sha256, size)


def _list_documents(
    settings: Settings,
    store: Store,
    batch_id: str,
    court_code: str,
    failed: frozenset[str],
    entries: Entries,
) -> list[tuple[str, str]]:
    """List the rendered case documents (of decisions that did not fail) and the failures.

    Return the cases left out of the filing, each with the reason of its first failed document.
    """
    missing: dict[str, str] = {}
    for doc, case_numbers in store.documents.finished_documents(batch_id, court_code):
        if doc.state is DocumentState.FAILED:
            reason = doc.last_error or "no reason recorded"
            missing.setdefault(case_numbers, f"{doc.kind}.{doc.format}: {reason}")
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
    return sorted(missing.items())


def _document_file(settings: Settings, doc: DocumentRow, case_numbers: str) -> BundleFile | None:
    if doc.path is None or doc.sha256 is None:
        return None
    return BundleFile(
        path=case_entry(case_numbers, doc.subject, doc.kind, doc.format),
        source=settings.output_dir / doc.path,
        kind=doc.kind,
        format=doc.format,
        sha256=doc.sha256,
        bytes=doc.bytes or 0,
        pages=doc.pages,
        decision_id=doc.subject,
        case_number=case_numbers,
        language=doc.language,
        notes=doc.notes or "",
    )


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
    settings: Settings, store: Store, batch_id: str, court_code: str, manifest: Manifest, *, final: bool
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
        final=final,
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
