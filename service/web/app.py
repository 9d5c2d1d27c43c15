"""The web application: API and pages, errors as JSON of one shape, security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from service.db.accounts import Accounts
from service.db.ready import prepare_database
from service.errors import (
    BusyError,
    ConflictError,
    CourtdocsError,
    InvalidInputError,
    InvalidRequestError,
    NotFoundError,
    RenderError,
    is_transient,
)
from service.pipeline.runtime import Runtime
from service.render.templating import WEB_FOLDER
from service.settings import Settings, get_settings
from service.web import api, imports, pages, rulings
from service.web.templates import PageTemplates

log = logging.getLogger("courtdocs.web")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "no-referrer",
    "content-security-policy": (
        "default-src 'self'; object-src 'self'; frame-ancestors 'self'; form-action 'self'"
    ),
    "cache-control": "no-store",
}
# The one map from the error tree to HTTP: the first class of an error's MRO found here decides.
# A transient error not found here is 503 with Retry-After; anything else is 500.
HTTP_ERRORS: dict[type[CourtdocsError], tuple[int, str]] = {
    InvalidInputError: (422, "invalid_decisions"),
    InvalidRequestError: (422, "invalid"),
    RenderError: (422, "cannot_render"),
    NotFoundError: (404, "not_found"),
    BusyError: (409, "busy"),
    ConflictError: (409, "conflict"),
}
RETRY_AFTER_SECONDS = 10  # what a transient error's response asks the client to wait
# Handled here rather than by Starlette's last resort, which logs a traceback and re-raises.
HANDLED = (CourtdocsError, OSError, SQLAlchemyError, RedisError)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; its runtime (the renderer on first use) and page templates are made once."""
    settings = settings or get_settings()
    runtime = Runtime(settings)
    prepare_database(runtime.store.engine, upgrade_existing=False)  # an old schema: refuse, say why
    app = FastAPI(title="courtdocs", version="1", docs_url="/api/docs", openapi_url="/api/v1/openapi.json")
    app.state.runtime = runtime
    app.state.accounts = Accounts(runtime.store)
    app.state.page_templates = PageTemplates(settings.templates_dir / WEB_FOLDER)
    app.include_router(api.router)
    app.include_router(imports.router)
    app.include_router(rulings.router)
    app.include_router(pages.router)
    _install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def error_body(
    status: int, code: str, message: str, details: list[dict[str, str]] | None = None
) -> JSONResponse:
    """Every error has this shape: {"error": {"status", "code", "message", "details"}}."""
    content = {"error": {"status": status, "code": code, "message": message, "details": details or []}}
    return JSONResponse(content, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 401 and pages.wants_html(request):
            return pages.login_redirect()
        response = error_body(error.status_code, _code(error.status_code), str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, error: RequestValidationError) -> Response:
        details = [
            {"path": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
            for item in error.errors()
        ]
        return error_body(422, "invalid_request", "the request is malformed", details)

    async def service_error(_request: Request, error: Exception) -> Response:
        return error_response(error)

    for handled in (*HANDLED, Exception):
        app.add_exception_handler(handled, service_error)


def error_response(error: Exception) -> JSONResponse:
    """Answer an error by the tree: HTTP_ERRORS, else 503 if transient, else 500; never a library's words."""
    found = next((HTTP_ERRORS[cls] for cls in type(error).__mro__ if cls in HTTP_ERRORS), None)
    transient = is_transient(error)
    if found is not None:
        status, code = found
        details = _field_errors(error) if isinstance(error, InvalidInputError) else None
        message = f"{len(details)} error(s); nothing was stored or queued" if details else str(error)
        response = error_body(status, code, message, details)
    elif transient:
        log.error("request failed: %s", type(error).__name__)
        response = error_body(503, "unavailable", "the service could not complete the request; try again")
    else:
        # Our messages carry identifiers only, but an unexpected one is the server's business.
        log.error("request failed: %s", type(error).__name__, exc_info=not isinstance(error, CourtdocsError))
        response = error_body(500, "internal", f"internal error ({type(error).__name__})")
    if transient:
        response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return response


def _field_errors(error: InvalidInputError) -> list[dict[str, str]]:
    return [
        {"position": e.position, "decision_id": e.decision_id or "", "path": e.path, "message": e.message}
        for e in error.errors
    ]


def _code(status: int) -> str:
    return {
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
    }.get(status, "error")
