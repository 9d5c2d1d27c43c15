"""People and machines that use the service: users and roles, API tokens, sessions, the audit log.

Secrets are stored hashed: passwords with Argon2id, tokens and session ids with SHA-256 (they are
random 256-bit values, so a fast hash is enough). The audit log holds identifiers, never names of
the people in the decisions.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update

from service.db.schema import api_tokens, audit_log, sessions, users
from service.db.sql import now
from service.db.store import Store
from service.errors import AccountError, ConflictError, NotFoundError

SESSION_LIFETIME = timedelta(hours=8)  # a login lasts one working day
TOKEN_PREFIX = "cdt_"  # makes a leaked token recognisable in a secret scanner


class Role(StrEnum):
    SUBMITTER = "submitter"  # creates batches, sees counts
    ATTORNEY = "attorney"  # previews documents and drafts
    CLERK = "clerk"  # downloads the bundles of the courts listed for the user
    AUDITOR = "auditor"  # reads the audit log
    ADMIN = "admin"  # manages users; sees no documents


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    courts: tuple[str, ...]

    def may_see_court(self, court_code: str) -> bool:
        return self.role is Role.CLERK and court_code in self.courts


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


_hasher = PasswordHasher()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(row: Any) -> User:
    return User(row.id, row.name, Role(row.role), tuple(json.loads(row.courts)))


class Accounts:
    """Users, tokens, sessions and the audit log, in the service's database."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def add_user(self, name: str, role: Role, courts: list[str], password: str | None) -> User:
        if role is Role.CLERK and not courts:
            raise AccountError("a clerk needs at least one --court")
        if role is not Role.CLERK and courts:
            raise AccountError("only clerks are tied to courts")
        with self.engine.begin() as conn:
            if conn.scalar(select(users.c.id).where(users.c.name == name)):
                raise ConflictError(f"user {name} exists already")
            row = {
                "name": name,
                "role": role.value,
                "courts": json.dumps(sorted(courts)),
                "password_hash": _hasher.hash(password) if password else None,
                "active": True,
                "created_at": now(),
            }
            new_id = conn.scalar(insert(users).values(**row).returning(users.c.id))
        return User(int(new_id), name, role, tuple(sorted(courts)))

    def find_user(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name, users.c.active.is_(True))).first()
            return _user(row) if row else None

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(row) for row in conn.execute(select(users).order_by(users.c.name))]

    def check_password(self, name: str, password: str) -> User | None:
        """Return the user if the password is right; spend the same time when the user is unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name, users.c.active.is_(True))).first()
        stored = row.password_hash if row is not None and row.password_hash else _dummy_hash()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return _user(row) if row is not None and row.password_hash else None

    def create_token(self, name: str) -> tuple[int, str]:
        """Create an API token for a user; return its id and the token, which is shown only now."""
        user = self.find_user(name)
        if user is None:
            raise NotFoundError(f"no active user {name}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            token_id = conn.scalar(
                insert(api_tokens)
                .values(user_id=user.id, token_hash=_digest(token), created_at=now())
                .returning(api_tokens.c.id)
            )
        return int(token_id), token

    def revoke_token(self, token_id: int) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now())
            )
            return bool(result.rowcount)

    def user_for_token(self, token: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(
                    api_tokens.c.token_hash == _digest(token),
                    api_tokens.c.revoked_at.is_(None),
                    users.c.active.is_(True),
                )
            ).first()
            return _user(row) if row else None

    def start_session(self, user: User) -> tuple[str, str]:
        """Start a session; return the cookie value and the session's CSRF token."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(sessions).values(
                    id_hash=_digest(session_id),
                    user_id=user.id,
                    csrf=csrf,
                    expires_at=now() + SESSION_LIFETIME,
                )
            )
        return session_id, csrf

    def session(self, session_id: str) -> Session | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users, sessions.c.csrf)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(
                    sessions.c.id_hash == _digest(session_id),
                    sessions.c.expires_at > now(),
                    users.c.active.is_(True),
                )
            ).first()
            return Session(_user(row), row.csrf) if row else None

    def end_session(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id_hash == _digest(session_id)))

    def audit(self, actor: str, action: str, target: str, outcome: str) -> None:
        """Append one entry to the audit log (identifiers only)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=now(), actor=actor, action=action, target=target[:200], outcome=outcome
                )
            )

    def audit_entries(self, limit: int = 500) -> list[dict[str, Any]]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Return a hash to verify against when the user is unknown, so both cases take as long."""
    return _hasher.hash(secrets.token_urlsafe(16))
