"""Rulings over HTTP and on the clerk's page: upload the judge's signed order, its date and exceptions.

`POST /api/v1/batches/{id}/courts/{code}/rulings` (multipart: `order`, optional `exceptions`,
`signed_on`, `judge`, `amend`) records a ruling for a clerk of that court or an admin; `GET` lists
a filing's rulings, and `GET .../rulings/{version}/order.pdf` or `/clerk-import.csv` gives its
files. The clerk's page posts the same form, with its CSRF token as a field, and shows each refusal
beside its field. Both go through service.pipeline.ruling.record_ruling.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel
from starlette.datastructures import FormData, UploadFile

from service.bundle.layout import RulingFile
from service.db.accounts import Role, Session, User
from service.db.rows import RulingRow
from service.errors import ConflictError, FieldError, InvalidInputError, InvalidRequestError, NotFoundError
from service.pipeline.ruling import RecordedRuling, record_ruling
from service.pipeline.runtime import Runtime
from service.web.deps import AccountsDep, BatchId, CourtCode, RuntimeDep, current_session, require

router = APIRouter()
RULINGS_API = "/api/v1/batches/{batch_id}/courts/{court_code}/rulings"
RULING_FORM = "/clerk/batches/{batch_id}/courts/{court_code}/ruling"
Recorder = Annotated[User, Depends(require(Role.CLERK, Role.ADMIN))]
Reader = Annotated[User, Depends(require(Role.SUBMITTER, Role.CLERK, Role.ATTORNEY, Role.ADMIN))]
CHUNK = 1 << 20  # bytes copied from an upload at a time
TRUE = ("1", "true", "yes", "on")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")  # without a file: refused by field


class RulingOut(BaseModel):
    """A recorded ruling of a court filing, as the API answers it."""

    batch_id: str
    court_code: str
    version: int
    signed_on: date
    judge: str | None
    supersedes_version: int | None  # the version this amended ruling supersedes
    order_sha256: str
    order_bytes: int
    clerk_import_sha256: str
    recorded_at: datetime
    recorded_by: str
    counts: dict[str, int]  # the filing's counts by outcome
    new: bool = True  # False: the same ruling was recorded before; nothing new was recorded

    @classmethod
    def of(cls, row: RulingRow, counts: dict[str, int], *, new: bool = True) -> RulingOut:
        return cls(
            batch_id=row.batch_id,
            court_code=row.court_code,
            version=row.version,
            signed_on=row.signed_on,
            judge=row.judge,
            supersedes_version=row.version - 1 if row.supersedes_id is not None else None,
            order_sha256=row.order_sha256,
            order_bytes=row.order_bytes,
            clerk_import_sha256=row.clerk_import_sha256,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            counts=counts,
            new=new,
        )


@dataclass(frozen=True)
class RulingForm:
    """The fields of a ruling form, as sent (the date unparsed, so a bad one is shown back)."""

    signed_on: str
    judge: str
    amend: bool


@dataclass(frozen=True)
class RulingFormState:
    """A ruling form sent back to the clerk's page: what was sent, each error by its field."""

    batch_id: str
    court_code: str
    fields: RulingForm
    errors: dict[str, list[str]]  # signed_on, order, judge, exceptions: their messages
    problem: str = ""  # a refusal of the whole ruling (a filing not final, ruled on already)


def field_errors(error: InvalidInputError) -> dict[str, list[str]]:
    """Return a refusal's errors by the form field they belong to; an exceptions line by its line."""
    found: dict[str, list[str]] = {}
    for item in error.errors:
        if item.position.startswith("exceptions") or item.path in ("encoding", "header", "fields"):
            found.setdefault("exceptions", []).append(str(item))
        else:
            found.setdefault(item.path, []).append(item.message)
    return found


def may_rule(user: User, court_code: str) -> bool:
    """Return whether this user may record a ruling for the court: its clerk, or an admin."""
    return user.role is Role.ADMIN or user.may_see_court(court_code)


@router.post(RULINGS_API, summary="Record the court's ruling on a court filing")
async def post_ruling(
    request: Request, batch_id: BatchId, court_code: CourtCode, rt: RuntimeDep, user: Recorder
) -> JSONResponse:
    """Multipart: `order` (the signed order, a PDF), `signed_on` (YYYY-MM-DD), optional `judge`,
    `exceptions` (CSV case_number,count,outcome[,note]) and `amend`. 201 with the ruling; 200 with
    the same ruling when it was recorded before; 422 names each bad field or CSV line; 409 for a
    filing not yet final or ruled on already (without amend).
    """
    if not may_rule(user, court_code):
        raise NotFoundError(f"batch {batch_id} has no court {court_code}")  # another court's: not seen
    form = await _read_form(request, rt)
    try:
        recorded = _record(rt, batch_id, court_code, form, user)
    finally:
        await form.close()  # the uploads' spooled files
    out = RulingOut.of(recorded.row, _counts(recorded), new=recorded.new)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if recorded.new else 200)


@router.get(RULINGS_API, summary="The rulings of a court filing, oldest version first")
def list_rulings(batch_id: BatchId, court_code: CourtCode, rt: RuntimeDep, user: Reader) -> list[RulingOut]:
    if user.role is Role.CLERK and not user.may_see_court(court_code):
        raise NotFoundError(f"batch {batch_id} has no court {court_code}")
    if rt.store.batches.batch(batch_id) is None:
        raise NotFoundError(f"no batch {batch_id}")
    return [
        RulingOut.of(row, {o.value: n for o, n in rt.store.rulings.outcome_counts(row).items()})
        for row in rt.store.rulings.of_court(batch_id, court_code)
    ]


@router.get(RULINGS_API + "/{version}/{name}", summary="A ruling's signed order or clerk import")
def get_ruling_file(
    batch_id: BatchId,
    court_code: CourtCode,
    version: Annotated[int, PathParam(ge=1)],
    name: RulingFile,
    rt: RuntimeDep,
    user: Reader,
) -> FileResponse:
    """The signed order as recorded, or the clerk import (every count with its outcome and order date)."""
    if user.role is Role.CLERK and not user.may_see_court(court_code):
        raise NotFoundError(f"batch {batch_id} has no court {court_code}")
    row = next((r for r in rt.store.rulings.of_court(batch_id, court_code) if r.version == version), None)
    if row is None:
        raise NotFoundError(f"no ruling v{version} of the {court_code} filing of batch {batch_id}")
    order = name is RulingFile.ORDER
    path = rt.settings.output_dir / (row.order_path if order else row.clerk_import_path)
    if not path.is_file():
        raise NotFoundError(f"the file of ruling v{version} of {court_code} is missing; run courtdocs check")
    return FileResponse(
        path,
        media_type="application/pdf" if order else "text/csv",
        filename=f"{batch_id}-{court_code}-ruling-v{version:03d}-{name.value}",
    )


@router.post(RULING_FORM, include_in_schema=False)
async def ruling_from_form(
    request: Request, batch_id: BatchId, court_code: CourtCode, rt: RuntimeDep, accounts: AccountsDep
) -> Response:
    """The clerk page's form: on a refusal, the page again with each error beside its field."""
    session = current_session(request, accounts)
    if session is None:
        raise HTTPException(401, "log in to record a ruling")
    form = await _read_form(request, rt)
    try:
        return _ruling_from_form(request, rt, batch_id, court_code, session, form)
    finally:
        await form.close()


def _ruling_from_form(
    request: Request, rt: Runtime, batch_id: str, court_code: str, session: Session, form: FormData
) -> Response:
    if not secrets.compare_digest(session.csrf, str(form.get("csrf", ""))):
        raise HTTPException(403, "the form expired; reload the page")
    user = session.user
    if user.role is not Role.CLERK or not user.may_see_court(court_code):
        raise HTTPException(403, "only a clerk of this court may record its ruling")
    request.state.session, request.state.user = session, user
    from service.web.pages import clerk_view

    fields = _fields(form)
    try:
        _record(rt, batch_id, court_code, form, user)
    except InvalidInputError as error:
        state = RulingFormState(batch_id, court_code, fields, field_errors(error))
        return clerk_view(request, rt, user, ruling_form=state, status=422)
    except (ConflictError, InvalidRequestError) as error:
        state = RulingFormState(batch_id, court_code, fields, {}, str(error))
        return clerk_view(request, rt, user, ruling_form=state, status=409)
    return RedirectResponse(f"/clerk#batch-{batch_id}", status_code=303)


async def _read_form(request: Request, rt: Runtime) -> FormData:
    """Read a multipart form, refusing a body over the limit before parsing it."""
    limit = rt.settings.max_order_bytes + rt.settings.max_request_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is over the limit of {limit} bytes")
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        raise HTTPException(415, "send multipart/form-data: the signed order as `order`, and the fields")
    return await request.form(max_files=2, max_fields=10)


def _fields(form: FormData) -> RulingForm:
    return RulingForm(
        signed_on=str(form.get("signed_on", "")).strip(),
        judge=str(form.get("judge", "")),
        amend=str(form.get("amend", "")).lower() in TRUE,
    )


def _record(rt: Runtime, batch_id: str, court_code: str, form: FormData, user: User) -> RecordedRuling:
    """Check the form's own fields (every missing or malformed one), then record the ruling."""
    fields = _fields(form)
    errors = []
    signed_on = None
    try:
        signed_on = date.fromisoformat(fields.signed_on) if fields.signed_on else None
        if signed_on is None:
            errors.append(FieldError("", None, "signed_on", "is required"))
    except ValueError:
        errors.append(
            FieldError("", None, "signed_on", f"must be a date YYYY-MM-DD, not {fields.signed_on!r}")
        )
    order, exceptions = form.get("order"), form.get("exceptions")
    if not isinstance(order, UploadFile) or not order.filename:
        errors.append(FieldError("", None, "order", "is required: the signed order, a PDF"))
    if errors or signed_on is None or not isinstance(order, UploadFile):
        raise InvalidInputError(errors)
    with tempfile.TemporaryDirectory(prefix="courtdocs-ruling-") as folder:
        order_path = _save(order, Path(folder) / "order.pdf")
        has_exceptions = isinstance(exceptions, UploadFile) and bool(exceptions.filename)
        exceptions_path = _save(exceptions, Path(folder) / "exceptions.csv") if has_exceptions else None
        return record_ruling(
            rt,
            batch_id,
            court_code,
            signed_on=signed_on,
            order=order_path,
            judge=fields.judge,
            exceptions=exceptions_path,
            amend=fields.amend,
            actor=user.name,
        )


def _save(upload: object, target: Path) -> Path:
    assert isinstance(upload, UploadFile)
    with target.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            out.write(chunk)
    return target


def _counts(recorded: RecordedRuling) -> dict[str, int]:
    return {outcome.value: number for outcome, number in recorded.counts.items()}
