"""The HTTP API under /api/v1: batches, approvals, bundles, documents, previews, the audit log."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.bundle.layout import MANIFEST_JSON, download_name
from service.core.filing import FilingMode
from service.core.kinds import MEDIA_TYPES
from service.core.models import Decision
from service.core.states import DocumentState
from service.core.validation import parse_decision, records_from_json, records_from_lines
from service.db.accounts import Role, User
from service.db.rows import ApprovalRow, BundleRow, FoundDecision
from service.errors import FieldError, InvalidInputError, InvalidRequestError, NotFoundError
from service.pipeline.approve import approve_filing
from service.pipeline.rendering import stored_decisions
from service.pipeline.status import BatchStatus, CourtStatus, batch_status
from service.pipeline.submit import submit_records
from service.render import DocumentKind, OutputFormat, RenderedDocument
from service.web.deps import COURT_CODE, AccountsDep, BatchId, CourtCode, DecisionId, RuntimeDep, require

router = APIRouter(prefix="/api/v1")

Submitter = Annotated[User, Depends(require(Role.SUBMITTER))]
Reader = Annotated[User, Depends(require(Role.SUBMITTER, Role.CLERK, Role.ATTORNEY))]
Clerk = Annotated[User, Depends(require(Role.CLERK))]
Attorney = Annotated[User, Depends(require(Role.ATTORNEY))]
Auditor = Annotated[User, Depends(require(Role.AUDITOR))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
Approver = Annotated[User, Depends(require(Role.ATTORNEY, Role.ADMIN))]
ApprovalReader = Annotated[User, Depends(require(Role.SUBMITTER, Role.CLERK, Role.ATTORNEY, Role.ADMIN))]
JSON_TYPES = {"application/json"}
LINES_TYPES = {"application/x-ndjson", "application/jsonl", "application/json-lines"}


@router.post("/batches", status_code=202, summary="Submit a batch of approved decisions")
async def create_batch(
    request: Request,
    rt: RuntimeDep,
    accounts: AccountsDep,
    user: Submitter,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    filing: Annotated[FilingMode, Query(description="omnibus (default) or per-case")] = FilingMode.OMNIBUS,
) -> JSONResponse:
    """Validate the whole body (a JSON array, or JSON Lines), store it and queue it; 422 lists every error."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES | LINES_TYPES:
        raise HTTPException(415, "send application/json (an array) or application/x-ndjson (JSON Lines)")
    body = await _read_limited(request, rt.settings.max_request_bytes)
    records = records_from_lines(io.BytesIO(body)) if content_type in LINES_TYPES else records_from_json(body)
    try:
        submission = submit_records(
            rt,
            records,
            hashlib.sha256(body).hexdigest(),
            source="http",
            filing=filing,
            idempotency_key=idempotency_key,
        )
    except InvalidInputError as error:
        accounts.audit(user.name, "submit", "", f"rejected: {len(error.errors)} error(s)")
        raise
    accounts.audit(user.name, "submit", submission.batch_id, "created" if submission.created else "existing")
    return JSONResponse(
        {
            "batch_id": submission.batch_id,
            "created": submission.created,
            "decisions": submission.decisions,
            "filing": filing.value,
            "status_url": f"/api/v1/batches/{submission.batch_id}",
        },
        status_code=202,
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    """Read the body, refusing one over the limit before parsing (and before reading, if it says so)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is over the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("/batches", summary="List batches", response_model=list[BatchStatus])
def list_batches(rt: RuntimeDep, user: Reader) -> list[BatchStatus]:
    visible = []
    for batch in rt.store.batches.list_batches():
        report = _visible_status(rt, batch.id, user)
        if report is not None:
            visible.append(report)
    return visible


@router.get(
    "/batches/{batch_id}",
    summary="A batch: states per court, bundle links, failures",
    response_model=BatchStatus,
)
def get_batch(batch_id: BatchId, rt: RuntimeDep, user: Reader) -> BatchStatus:
    report = _visible_status(rt, batch_id, user)
    if report is None:
        raise NotFoundError(f"no batch {batch_id}")
    return report


def _visible_status(rt: Any, batch_id: str, user: User) -> BatchStatus | None:
    """Return the batch's status as this user may see it: a clerk sees only their own courts."""
    report = batch_status(rt, batch_id)
    if report is None:
        return None
    courts = report.courts
    if user.role is Role.CLERK:
        courts = {code: court for code, court in courts.items() if user.may_see_court(code)}
        if not courts:
            return None
        report = report.model_copy(update={"failures": []})  # failures name other courts' decisions
    linked = {code: _linked(batch_id, code, court) for code, court in courts.items()}
    return report.model_copy(update={"courts": linked})


def _linked(batch_id: str, code: str, court: CourtStatus) -> CourtStatus:
    """Return a court's status as the API shows it: links instead of the output folder's paths."""
    update: dict[str, Any] = {}
    if court.bundle is not None:
        url = f"/api/v1/batches/{batch_id}/bundles/{code}"
        update["bundle"] = court.bundle.model_copy(update={"path": None, "url": url})
    if court.ruling is not None:
        update["ruling"] = court.ruling.model_copy(update={"order_path": None, "clerk_import_path": None})
    return court.model_copy(update=update)


class ApprovalRequest(BaseModel):
    """An attorney's approval of court filings: the courts (or all), and who signs.

    The attorney's fields are checked by approve_filing (the Signer model), so that a missing or
    invalid one is named the same way everywhere; here they are only bounded.
    """

    model_config = ConfigDict(extra="forbid")

    courts: list[Annotated[str, Field(pattern=COURT_CODE)]] | None = Field(default=None, max_length=1000)
    all: bool = False
    name: str | None = Field(default=None, max_length=1000)
    title: str | None = Field(default=None, max_length=1000)
    bar_number: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=1000)


class Approval(BaseModel):
    """An approved court filing: who signs it and on which date, and which account approved it."""

    court_code: str
    name: str
    title: str
    bar_number: str
    email: str | None
    approved_on: date
    approved_at: datetime
    approved_by: str

    @classmethod
    def of(cls, row: ApprovalRow) -> Approval:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


@router.post(
    "/batches/{batch_id}/approvals",
    status_code=201,
    summary="Approve court filings of a batch, signed by one attorney",
    response_model=list[Approval],
)
def approve(batch_id: BatchId, body: ApprovalRequest, rt: RuntimeDep, user: Approver) -> list[Approval]:
    """Approve the courts named (or all: true), all or none; publish their filings final, signed.

    422 names each invalid field of the attorney, 404 an unknown batch or court, 409 a filing
    approved already (by whom, when) or being published now.
    """
    if body.all == (body.courts is not None):
        raise InvalidRequestError('name the courts in "courts", or send "all": true; not both')
    approvals = approve_filing(
        rt,
        batch_id,
        None if body.all else body.courts,
        name=body.name or "",
        title=body.title or "",
        bar_number=body.bar_number or "",
        email=body.email,
        actor=user.name,
    )
    return [Approval.of(row) for row in approvals]


@router.get(
    "/batches/{batch_id}/approvals",
    summary="The approved court filings of a batch",
    response_model=list[Approval],
)
def list_approvals(batch_id: BatchId, rt: RuntimeDep, user: ApprovalReader) -> list[Approval]:
    """Every approved filing of the batch, by court (a clerk sees their own courts')."""
    if rt.store.batches.batch(batch_id) is None:
        raise NotFoundError(f"no batch {batch_id}")
    approvals = rt.store.approvals.of_batch(batch_id)
    return [
        Approval.of(approvals[code])
        for code in sorted(approvals)
        if user.role is not Role.CLERK or user.may_see_court(code)
    ]


@router.get("/batches/{batch_id}/bundles/{court_code}", summary="The latest bundle ZIP of a court batch")
def get_bundle(
    batch_id: BatchId, court_code: CourtCode, rt: RuntimeDep, accounts: AccountsDep, user: Clerk
) -> FileResponse:
    bundle = _bundle_for(rt, accounts, user, batch_id, court_code, "download")
    return FileResponse(
        rt.settings.output_dir / bundle.path,
        media_type="application/zip",
        filename=download_name(batch_id, court_code, bundle.version),
        headers={"etag": f'"{bundle.sha256}"', "cache-control": "private, no-store"},
    )


@router.get("/batches/{batch_id}/bundles/{court_code}/manifest", summary="The manifest of the latest bundle")
def get_manifest(
    batch_id: BatchId, court_code: CourtCode, rt: RuntimeDep, accounts: AccountsDep, user: Clerk
) -> JSONResponse:
    import zipfile

    bundle = _bundle_for(rt, accounts, user, batch_id, court_code, "manifest")
    with zipfile.ZipFile(rt.settings.output_dir / bundle.path) as archive:
        return JSONResponse(json.loads(archive.read(MANIFEST_JSON)))


def _bundle_for(rt: Any, accounts: Any, user: User, batch_id: str, court_code: str, action: str) -> BundleRow:
    target = f"{batch_id}/{court_code}"
    if not user.may_see_court(court_code):
        accounts.audit(user.name, action, target, "refused: another court")
        raise HTTPException(403, f"court {court_code} is not one of yours")
    bundle: BundleRow | None = rt.store.publications.latest_bundle(batch_id, court_code)
    if bundle is None:
        accounts.audit(user.name, action, target, "not found")
        raise NotFoundError(f"no published bundle for {target}")
    accounts.audit(user.name, action, f"{target}/v{bundle.version}", "ok")
    return bundle


@router.get("/decisions/{decision_id}/documents/{kind}.{output_format}", summary="A decision's document")
def get_document(
    decision_id: DecisionId,
    kind: Annotated[Literal["motion", "order", "letter"], Path()],
    output_format: Annotated[Literal["pdf", "docx", "html"], Path()],
    rt: RuntimeDep,
    accounts: AccountsDep,
    user: Attorney,
) -> Response:
    """The document as stored; else rendered on demand (always so for an omnibus batch's decisions).

    Rendered on demand, a motion or order is signed by the attorney who approved its court's
    filing, or without an approval is a draft, marked on every page.
    """
    found = rt.store.batches.find_decisions(decision_id)
    row = next((r for r in found if r.decision_id == decision_id), None)
    target = f"{decision_id}/{kind}.{output_format}"
    if row is None:
        accounts.audit(user.name, "document", target, "not found")
        raise NotFoundError(f"no decision {decision_id}")
    subject = row.person_key if kind == "letter" else decision_id
    stored = rt.store.documents.document(
        row.batch_id, DocumentKind(kind), OutputFormat(output_format), subject
    )
    if stored is not None and stored.state is DocumentState.RENDERED and stored.path:
        accounts.audit(user.name, "document", target, "ok")
        return FileResponse(
            rt.settings.output_dir / stored.path,
            media_type=MEDIA_TYPES[OutputFormat(output_format)],
            filename=f"{decision_id}-{kind}.{output_format}",
            content_disposition_type="inline",
        )
    decisions = _decisions_for(rt, row, kind)
    approval = rt.store.approvals.of_court(row.batch_id, row.court_code)
    signer = approval.signer() if approval is not None else None  # else a draft, marked on every page
    # No letter is mailed before the judge rules (not recorded yet): a letter is only ever a draft.
    draft = kind == "letter"
    document = rt.renderer.render(
        DocumentKind(kind), decisions, OutputFormat(output_format), signer=signer, draft=draft
    )
    accounts.audit(user.name, "document", target, "rendered on demand")
    return _document_response(document, f"{decision_id}-{kind}")


def _decisions_for(rt: Any, row: FoundDecision, kind: str) -> list[Decision]:
    subject = row.person_key if kind == "letter" else row.decision_id
    decisions = stored_decisions(rt.store, row.batch_id, DocumentKind(kind), subject)
    if not decisions:
        raise NotFoundError("this person is not to be notified: there is no letter")
    return decisions


@router.post("/preview", summary="Render an unsaved decision as a draft; nothing is stored")
async def preview(
    request: Request,
    rt: RuntimeDep,
    accounts: AccountsDep,
    user: Attorney,
    doc: Annotated[Literal["motion", "order", "letter"], Query()] = "motion",
    output_format: Annotated[Literal["pdf", "docx", "html"], Query(alias="format")] = "pdf",
) -> Response:
    body = await _read_limited(request, 1024 * 1024)
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError([_parse_error(error)]) from None
    decision = parse_decision(value)
    document = rt.renderer.render(
        DocumentKind(doc), [decision], OutputFormat(output_format), signer=None, draft=True
    )
    accounts.audit(user.name, "preview", f"{decision.decision_id}/{doc}.{output_format}", "ok")
    return _document_response(document, f"DRAFT-{decision.decision_id}-{doc}")


def _parse_error(error: ValueError) -> FieldError:
    return FieldError("body", None, "", f"is not valid JSON ({error})")


def _document_response(document: RenderedDocument, stem: str) -> Response:
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"content-disposition": f'inline; filename="{stem}.{document.format.value}"'},
    )


@router.get("/audit", summary="The audit log, newest first")
def get_audit(
    accounts: AccountsDep, user: Auditor, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[dict[str, Any]]:
    return accounts.audit_entries(limit)


@router.get("/users", summary="Users and their roles")
def get_users(accounts: AccountsDep, user: Admin) -> list[dict[str, Any]]:
    return [{"name": u.name, "role": u.role.value, "courts": list(u.courts)} for u in accounts.list_users()]
