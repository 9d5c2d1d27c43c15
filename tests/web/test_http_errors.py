"""The error tree mapped to HTTP in one place (service/web/app.py): each class's status and code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from service.db.accounts import Role
from service.errors import (
    AccountError,
    BundleVerificationError,
    BusyError,
    MissingDecisionError,
    MissingGlyphError,
    NotFoundError,
    PublicationTakenOverError,
    StorageUnavailableError,
    UnfinishedBatchError,
    UnsafePathError,
)
from service.web.app import create_app
from tests.pipeline_helpers import make_pipeline
from tests.web.http_helpers import error_of

# -- the error tree, mapped to HTTP in one place ----------------------------------------------------

RAISED: list[tuple[Exception, int, str]] = [
    (NotFoundError("no batch b1"), 404, "not_found"),
    (MissingDecisionError("batch b1 has no decision for motion d-1"), 404, "not_found"),
    (BusyError("batch b1 is being published; retry once that has finished"), 409, "busy"),
    (UnfinishedBatchError("batch b1 is still rendering"), 409, "conflict"),
    (PublicationTakenOverError("publication of b1/LA-CCB was taken over"), 409, "conflict"),
    (AccountError("a clerk needs at least one --court"), 422, "invalid"),
    (UnsafePathError("refusing to use '..' in a file name"), 422, "invalid"),
    (MissingGlyphError(["\U00010000"]), 422, "cannot_render"),
    (StorageUnavailableError("cannot write motion.pdf: No space left on device"), 503, "unavailable"),
    (OperationalError("SELECT 1", {}, Exception("database is locked")), 503, "unavailable"),
    (OSError(28, "No space left on device"), 503, "unavailable"),
    (BundleVerificationError("bundle failed verification: x"), 500, "internal"),
    (ValueError("Jane Q. Public, born 1990-01-01"), 500, "internal"),
]


@pytest.fixture(scope="module")
def raising(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app with one extra route that raises RAISED[n]; unexpected errors answered, not re-raised."""
    pipeline = make_pipeline(tmp_path_factory.mktemp("raising") / "out")
    app = create_app(pipeline.settings)

    def fail(n: int) -> None:
        raise RAISED[n][0]

    app.add_api_route("/raise/{n}", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    pipeline.close()


@pytest.mark.parametrize("n", range(len(RAISED)), ids=[type(error).__name__ for error, _, _ in RAISED])
def test_each_error_of_the_tree_has_its_status_and_code(raising: TestClient, n: int) -> None:
    error, status, code = RAISED[n]
    response = raising.get(f"/raise/{n}")
    assert (response.status_code, error_of(response)["code"]) == (status, code), response.text
    assert ("retry-after" in response.headers) is (status == 503 or isinstance(error, BusyError))
    assert "Jane" not in response.text and "database is locked" not in response.text
    if status < 500:
        assert error_of(response)["message"] == str(error)


def test_a_database_that_does_not_answer_is_503_with_retry_after(
    raising: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app: Any = raising.app
    app.state.accounts.add_user("locked_out", Role.SUBMITTER, [], None)
    token = app.state.accounts.create_token("locked_out")[1]

    def locked() -> None:
        raise OperationalError("SELECT batches", {}, Exception("database is locked"))

    monkeypatch.setattr(app.state.runtime.store.batches, "list_batches", locked)
    response = raising.get("/api/v1/batches", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 503 and error_of(response)["code"] == "unavailable"
    assert int(response.headers["retry-after"]) > 0
