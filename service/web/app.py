"""The web application: API and pages, errors as JSON of one shape, security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.db.accounts import Accounts
from service.db.migrate import prepare_database
from service.errors import ConflictError, CourtdocsError, InvalidInputError, RenderError
from service.pipeline.runtime import Runtime
from service.settings import Settings, get_settings
from service.web import api, pages

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


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; its runtime (database, renderer) is made once, here."""
    settings = settings or get_settings()
    runtime = Runtime(settings)
    prepare_database(runtime.store.engine, upgrade_existing=False)  # an old schema: refuse, say why
    app = FastAPI(title="courtdocs", version="1", docs_url="/api/docs", openapi_url="/api/v1/openapi.json")
    app.state.runtime = runtime
    app.state.accounts = Accounts(runtime.store)
    app.include_router(api.router)
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
            return pages.login_redirect(request)
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

    @app.exception_handler(InvalidInputError)
    async def invalid_input(_request: Request, error: InvalidInputError) -> Response:
        details = [
            {"position": e.position, "decision_id": e.decision_id or "", "path": e.path, "message": e.message}
            for e in error.errors
        ]
        return error_body(
            422, "invalid_decisions", f"{len(details)} error(s); nothing was stored or queued", details
        )

    @app.exception_handler(ConflictError)
    async def conflict(_request: Request, error: ConflictError) -> Response:
        return error_body(409, "conflict", str(error))

    @app.exception_handler(RenderError)
    async def render_error(_request: Request, error: RenderError) -> Response:
        return error_body(422, "cannot_render", str(error))

    @app.exception_handler(CourtdocsError)
    async def service_error(_request: Request, error: CourtdocsError) -> Response:
        log.error("request failed: %s", type(error).__name__)
        return error_body(503, "unavailable", "the service could not complete the request; try again")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> Response:
        log.exception("unexpected error")
        return error_body(500, "internal", "internal error")


def _code(status: int) -> str:
    return {
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
    }.get(status, "error")
