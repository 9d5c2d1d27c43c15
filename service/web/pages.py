"""Pages for people: log in, the clerk's batches and bundles, the attorney's search and previews."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.core.models import from_stored
from service.core.states import CourtState
from service.db.accounts import Role, User
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
    batches = []
    for batch in rt.store.batches.list_batches():
        report = batch_status(rt, batch.id)
        if report is None:
            continue
        courts = {code: court for code, court in report.courts.items() if user.may_see_court(code)}
        if courts:
            batches.append(report.model_copy(update={"courts": courts}))
    running = any(
        court.state is not CourtState.PUBLISHED for batch in batches for court in batch.courts.values()
    )
    return _page(request, "clerk.html", batches=batches, refresh=REFRESH_SECONDS if running else None)


@router.get("/clerk/batches/{batch_id}/courts/{court_code}/manifest")
def manifest_page(
    request: Request,
    batch_id: BatchId,
    court_code: CourtCode,
    rt: RuntimeDep,
    accounts: AccountsDep,
    user: Clerk,
) -> Response:
    manifest = get_manifest(batch_id, court_code, rt, accounts, user)
    return _page(request, "manifest.html", manifest=json.loads(bytes(manifest.body)))


@router.get("/attorney")
def attorney_page(
    request: Request, rt: RuntimeDep, user: Attorney, q: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    query = q.strip()
    found = []
    if query:
        for row in rt.store.batches.find_decisions(query):
            found.append({"row": row, "decision": from_stored(row.payload)})
    return _page(request, "attorney.html", query=query, found=found)
