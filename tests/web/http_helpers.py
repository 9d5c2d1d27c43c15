"""What the web tests share: the one shape of every error response."""

from __future__ import annotations

from typing import Any


def error_of(response: Any) -> dict[str, Any]:
    """Return a response's error object, checking it has the one shape every error has."""
    body = response.json()
    assert set(body) == {"error"} and {"status", "code", "message", "details"} <= set(body["error"])
    return dict(body["error"])
