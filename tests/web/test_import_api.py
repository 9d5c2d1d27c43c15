"""POST /api/v1/imports/gogen: a submitter uploads the three files and gets the review and the decisions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.accounts import Role
from service.web.app import create_app
from tests.pipeline_helpers import make_pipeline
from tests.unit.importing.gogen_files import write_documented
from tests.web.http_helpers import error_of

URL = "/api/v1/imports/gogen"


@dataclass
class Upload:
    client: TestClient
    tokens: dict[str, str]
    files: tuple[Path, Path, Path]

    def post(self, who: str, data: dict[str, str] | None = None, **replace: Any) -> Any:
        results, contacts, office = self.files
        files = {
            "results": (results.name, results.read_bytes(), "text/csv"),
            "contacts": (contacts.name, contacts.read_bytes(), "text/csv"),
            "office": (office.name, office.read_bytes(), "application/toml"),
            **replace,
        }
        headers = {"authorization": f"Bearer {self.tokens[who]}"}
        return self.client.post(URL, files=files, data=data or {}, headers=headers)


@pytest.fixture
def upload(tmp_path: Path) -> Iterator[Upload]:
    pipeline = make_pipeline(tmp_path / "out")
    pipeline.runtime()
    app = create_app(pipeline.settings)
    tokens = {}
    for name, role in (("submitter", Role.SUBMITTER), ("clerk", Role.CLERK)):
        app.state.accounts.add_user(name, role, ["LA-CCB"] if role is Role.CLERK else [], "x" * 20)
        tokens[name] = app.state.accounts.create_token(name)[1]
    with TestClient(app) as client:
        yield Upload(client, tokens, write_documented(tmp_path))
    pipeline.close()


def test_the_upload_answers_the_review_and_the_decisions_ready_to_submit(upload: Upload) -> None:
    response = upload.post("submitter")
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(d["case"]["number"] for d in body["decisions"]) == [
        "BA100001",
        "BA100002",
        "BA300003",
        "LB200001",
    ]
    assert body["decision_count"] == 4 and body["reasons"]["no court mapping"] == 1
    assert {
        "source line": "9",
        "CII": "D4000004",
        "case number": "FSB500005",
        "reason": "no court mapping",
        "detail": "STP_ORI_DESCR 'CASC SAN BERNARDINO'",
    } in body["review"]


def test_submit_true_submits_the_batch_at_once(upload: Upload) -> None:
    response = upload.post("submitter", {"submit": "true", "filing": "per-case"})
    assert response.status_code == 202, response.text
    batch = response.json()["batch"]
    assert (batch["decisions"], batch["filing"], batch["created"]) == (4, "per-case", True)
    status = upload.client.get(
        batch["status_url"], headers={"authorization": f"Bearer {upload.tokens['submitter']}"}
    )
    assert status.status_code == 200 and sorted(status.json()["courts"]) == ["LA-CCB", "LA-LBC"]


def test_bad_input_is_422_naming_the_file_line_and_column(upload: Upload) -> None:
    results = upload.files[0].read_text(encoding="utf-8").replace("19750403", "1975-04-3x", 1)
    response = upload.post("submitter", results=("Prop64_Results.csv", results.encode(), "text/csv"))
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "invalid_decisions"
    assert error["details"][0] == {
        "position": "results.csv line 2",
        "decision_id": "",
        "path": "PRI_DOB",
        "message": "is not a date written YYYYMMDD (got '1975-04-3x')",
    }


def test_only_a_submitter_may_import(upload: Upload) -> None:
    assert upload.post("clerk").status_code == 403
    assert upload.client.post(URL).status_code == 401


def test_a_file_of_another_kind_is_refused(upload: Upload) -> None:
    response = upload.post("submitter", office=("office.json", b"{}", "application/json"))
    assert response.status_code == 422
    assert error_of(response)["message"] == "office must be a .toml file (got .json)"


def test_an_oversize_upload_is_413_before_it_is_read(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path / "out", COURTDOCS_MAX_REQUEST_BYTES="1000")
    pipeline.runtime()
    app = create_app(pipeline.settings)
    app.state.accounts.add_user("submitter", Role.SUBMITTER, [], "x" * 20)
    token = app.state.accounts.create_token("submitter")[1]
    with TestClient(app) as client:
        response = Upload(client, {"submitter": token}, write_documented(tmp_path)).post("submitter")
    pipeline.close()
    assert response.status_code == 413
    assert error_of(response)["message"] == "the body is over the limit of 1000 bytes"
