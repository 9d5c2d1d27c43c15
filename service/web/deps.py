"""Request dependencies: who is asking (bearer token or session cookie), what they may do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from service.db.accounts import Accounts, Role, Session, User
from service.pipeline.runtime import Runtime

SESSION_COOKIE = "courtdocs_session"
# Identifier patterns, checked before any identifier is used (decision-format.md and submit.py).
BATCH_ID = r"^b[0-9]{8}-[0-9a-f]{10}$"
COURT_CODE = r"^[A-Za-z0-9_-]{1,32}$"
DECISION_ID = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
BatchId = Annotated[str, Path(pattern=BATCH_ID)]
CourtCode = Annotated[str, Path(pattern=COURT_CODE)]
DecisionId = Annotated[str, Path(pattern=DECISION_ID)]


def current_session(request: Request, accounts: AccountsDep) -> Session | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return accounts.session(cookie) if cookie else None


def current_user(request: Request, accounts: AccountsDep) -> User:
    """Return the caller from a bearer token or a session cookie; 401 when there is neither."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = accounts.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(
                401, "the bearer token is unknown or revoked", headers={"WWW-Authenticate": "Bearer"}
            )
        return user
    session = current_session(request, accounts)
    if session is None:
        raise HTTPException(401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"})
    if request.method not in ("GET", "HEAD") and request.headers.get("x-csrf-token") != session.csrf:
        raise HTTPException(403, "a request made with a session cookie needs its X-CSRF-Token")
    request.state.session = session
    return user_of(session)


def user_of(session: Session) -> User:
    return session.user


def require(*roles: Role) -> Callable[..., User]:
    """Return a dependency that lets only the given roles through (403 for the others)."""

    def check(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(403, f"the {user.role.value} role may not do this")
        request.state.user = user
        return user

    return check
