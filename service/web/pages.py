"""Pages for people: log in, the clerk's batches and bundles, the attorney's filings, search and previews."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.bundle.layout import FILING_INDEX_PDF
from service.core.filing_index import FilingIndex
from service.core.models import from_stored
from service.core.states import CourtState
from service.db.accounts import Role, User
from service.db.rows import ApprovalRow, BatchRow
from service.db.sql import now
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.pipeline.approve import approve_filing, filing_date
from service.pipeline.runtime import Runtime
from service.pipeline.status import batch_status
from service.web.api import get_manifest
from service.web.deps import (
    SESSION_COOKIE,
    AccountsDep,
    BatchId,
    CourtCode,
    RuntimeDep,
    current_session,
    require,
)
from service.web.templates import get_page_templates

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "courtdocs_login_csrf"
HOME = {Role.CLERK: "/clerk", Role.ATTORNEY: "/attorney"}
REFRESH_SECONDS = 5  # how often the clerk's page reloads itself while a batch is still running
RULING_STAGES = ("filing published", "ruled")  # a court filing the clerk may record a ruling for
Clerk = Annotated[User, Depends(require(Role.CLERK))]
Attorney = Annotated[User, Depends(require(Role.ATTORNEY))]
AnyRole = Annotated[User, Depends(require(*Role))]


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def login_redirect() -> Response:
    return RedirectResponse("/login", status_code=303)


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("refresh", None)
    context.setdefault("csrf", session.csrf if session else "")
    return HTMLResponse(get_page_templates(request).render(name, context))


@router.get("/static/web.css")
def stylesheet(request: Request) -> Response:
    css = get_page_templates(request).stylesheet
    return Response(css, media_type="text/css", headers={"cache-control": "max-age=300"})


@router.get("/")
def home(request: Request, accounts: AccountsDep) -> Response:
    session = current_session(request, accounts)
    if session is None:
        return login_redirect()
    return RedirectResponse(HOME.get(session.user.role, "/account"), status_code=303)


@router.get("/login")
def login_form(request: Request, rt: RuntimeDep, error: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = _page(request, "login.html", login_csrf=token, error=error, user=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=rt.settings.secure_cookies
    )
    return response


@router.post("/login")
def login(
    request: Request,
    rt: RuntimeDep,
    accounts: AccountsDep,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf):
        raise HTTPException(403, "the login form expired; reload the page")
    user = accounts.check_password(name, password)
    if user is None:
        accounts.audit(name[:100], "login", "", "refused")
        return RedirectResponse("/login?error=1", status_code=303)
    session_id, _ = accounts.start_session(user)
    accounts.audit(user.name, "login", "", "ok")
    response = RedirectResponse(HOME.get(user.role, "/account"), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="strict", secure=rt.settings.secure_cookies
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, accounts: AccountsDep, csrf: Annotated[str, Form(max_length=100)]) -> Response:
    session = current_session(request, accounts)
    if session is not None and secrets.compare_digest(session.csrf, csrf):
        accounts.end_session(request.cookies[SESSION_COOKIE])
        accounts.audit(session.user.name, "logout", "", "ok")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account")
def account(request: Request, user: AnyRole) -> Response:
    return _page(request, "account.html")


@router.get("/clerk")
def clerk_page(request: Request, rt: RuntimeDep, user: Clerk) -> Response:
    return clerk_view(request, rt, user)


def clerk_view(
    request: Request, rt: Runtime, user: User, *, ruling_form: Any = None, status: int = 200
) -> Response:
    """The clerk's page: their courts' filings, bundles and rulings; `ruling_form` a refused ruling form."""
    batches = []
    for batch in rt.store.batches.list_batches():
        report = batch_status(rt, batch.id)
        if report is None:
            continue
        courts = {code: court for code, court in report.courts.items() if user.may_see_court(code)}
        if courts:
            batches.append(report.model_copy(update={"courts": courts}))
    shown = [court for batch in batches for court in batch.courts.values()]
    running = any(court.state is not CourtState.PUBLISHED for court in shown)
    # A page with a ruling form never reloads itself: the clerk would lose what they typed.
    form_shown = any(court.lifecycle in RULING_STAGES for court in shown)
    response = _page(
        request,
        "clerk.html",
        batches=batches,
        refresh=REFRESH_SECONDS if running and not form_shown else None,
        ruling_form=ruling_form,
        ruling_stages=RULING_STAGES,
        today=filing_date(now()),
    )
    response.status_code = status
    return response


@router.get("/clerk/batches/{batch_id}/courts/{court_code}/manifest")
def manifest_page(
    request: Request,
    batch_id: BatchId,
    court_code: CourtCode,
    rt: RuntimeDep,
    accounts: AccountsDep,
    user: Clerk,
) -> Response:
    """The latest bundle's manifest: its filing index's status (draft, final, incomplete), then its files."""
    manifest = json.loads(bytes(get_manifest(batch_id, court_code, rt, accounts, user).body))
    written = manifest.get("filing_index")  # absent from bundles made before filing indexes
    index = FilingIndex.from_dict(written) if written else None
    return _page(request, "manifest.html", manifest=manifest, index=index, index_entry=FILING_INDEX_PDF)


@dataclass(frozen=True)
class CourtFiling:
    """A court's filing of a batch as the attorney's page shows it: its state and its approval."""

    batch: BatchRow
    court_code: str
    state: CourtState
    approval: ApprovalRow | None


def _filings(rt: Runtime, batch: BatchRow) -> list[CourtFiling]:
    approvals = rt.store.approvals.of_batch(batch.id)
    return [
        CourtFiling(batch, court.court_code, court.state, approvals.get(court.court_code))
        for court in rt.store.publications.courts_of(batch.id)
    ]


@router.get("/attorney")
def attorney_page(
    request: Request, rt: RuntimeDep, user: Attorney, q: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    query = q.strip()
    found = []
    if query:
        for row in rt.store.batches.find_decisions(query):
            found.append({"row": row, "decision": from_stored(row.payload)})
    filings = [(batch, _filings(rt, batch)) for batch in rt.store.batches.list_batches()]
    return _page(request, "attorney.html", query=query, found=found, filings=filings)


def form_attorney(
    request: Request, accounts: AccountsDep, csrf: Annotated[str, Form(max_length=100)]
) -> User:
    """Return the attorney who sent a page's form, checking the session's CSRF token in the form.

    A form sends no X-CSRF-Token header, so `require` cannot check it.
    """
    session = current_session(request, accounts)
    if session is None:
        raise HTTPException(401, "log in to approve a filing")
    if not secrets.compare_digest(session.csrf, csrf):
        raise HTTPException(403, "the form expired; reload the page")
    if session.user.role is not Role.ATTORNEY:
        raise HTTPException(403, f"the {session.user.role.value} role may not do this")
    request.state.session, request.state.user = session, session.user
    return session.user


FormAttorney = Annotated[User, Depends(form_attorney)]
APPROVE_PAGE = "/attorney/batches/{batch_id}/courts/{court_code}/approve"


@router.get(APPROVE_PAGE)
def approval_form(
    request: Request, batch_id: BatchId, court_code: CourtCode, rt: RuntimeDep, user: Attorney
) -> Response:
    return _approval_page(request, rt, batch_id, court_code)


@router.post(APPROVE_PAGE)
def approve_from_form(
    request: Request,
    batch_id: BatchId,
    court_code: CourtCode,
    rt: RuntimeDep,
    user: FormAttorney,
    name: Annotated[str, Form(max_length=1000)] = "",
    title: Annotated[str, Form(max_length=1000)] = "",
    bar_number: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Approve one court's filing; on a refusal, show the form again with each error by its field."""
    values = {"name": name, "title": title, "bar_number": bar_number, "email": email}
    try:
        approve_filing(rt, batch_id, [court_code], **values, actor=user.name)
    except InvalidInputError as error:
        errors = {field_error.path: field_error.message for field_error in error.errors}
        return _approval_page(request, rt, batch_id, court_code, values=values, errors=errors, status=422)
    except ConflictError as error:  # approved meanwhile, or being published right now
        return _approval_page(
            request, rt, batch_id, court_code, values=values, problem=str(error), status=409
        )
    return RedirectResponse(f"/attorney#batch-{batch_id}", status_code=303)


def _approval_page(
    request: Request,
    rt: Runtime,
    batch_id: str,
    court_code: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> Response:
    batch = rt.store.batches.batch(batch_id)
    filing = next((f for f in _filings(rt, batch) if f.court_code == court_code), None) if batch else None
    if filing is None:
        raise NotFoundError(f"no court {court_code} in batch {batch_id}")
    response = _page(
        request,
        "approve.html",
        filing=filing,
        today=filing_date(now()),
        values=values or {"name": "", "title": "", "bar_number": "", "email": ""},
        errors=errors or {},
        problem=problem,
    )
    response.status_code = status
    return response
