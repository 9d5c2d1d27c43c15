"""The HTTP API and pages, role by role, including every refusal.

One module on purpose (about 500 lines): its tests share one published batch (the `site` fixture),
which takes a real render to build; the error tree's HTTP mapping is in test_http_errors.py.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.accounts import Role
from service.settings import Settings
from service.web.app import create_app
from tests.conftest import EXAMPLE_DECISION, example_decision
from tests.pipeline_helpers import Pipeline, make_pipeline
from tests.web.http_helpers import error_of

PASSWORD = "correct horse battery staple"


@dataclass
class Site:
    """A published batch, a running app and a token per role."""

    pipeline: Pipeline
    client: TestClient
    tokens: dict[str, str]
    batch_id: str
    sample: Path

    def auth(self, who: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[who]}"}

    def get(self, url: str, who: str | None = None, **kwargs: Any) -> Any:
        return self.client.get(
            url, headers={**(self.auth(who) if who else {}), **kwargs.pop("headers", {})}, **kwargs
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    pipeline = make_pipeline(tmp_path_factory.mktemp("web") / "out")
    pipeline.runtime().redis.ping()
    sample = pipeline.sample_file(12, courts=2, seed=4)
    batch_id = pipeline.courtdocs("submit", str(sample)).stdout.strip()
    pipeline.courtdocs("worker", "--burst", timeout=600)
    app = create_app(pipeline.settings)
    accounts = app.state.accounts
    people = {
        "submitter": (Role.SUBMITTER, []),
        "attorney": (Role.ATTORNEY, []),
        "clerk": (Role.CLERK, ["LA-CCB"]),
        "other_clerk": (Role.CLERK, ["LA-XYZ"]),
        "auditor": (Role.AUDITOR, []),
        "admin": (Role.ADMIN, []),
    }
    tokens = {}
    for name, (role, courts) in people.items():
        accounts.add_user(name, role, courts, PASSWORD)
        tokens[name] = accounts.create_token(name)[1]
    with TestClient(app) as client:
        yield Site(pipeline, client, tokens, batch_id, sample)
    pipeline.close()


def first_decision(site: Site) -> dict[str, Any]:
    return dict(json.loads(site.sample.read_text().splitlines()[0]))


# -- access ------------------------------------------------------------------------------

PROTECTED = [
    ("get", "/api/v1/batches"),
    ("get", "/api/v1/batches/{batch}"),
    ("get", "/api/v1/batches/{batch}/bundles/LA-CCB"),
    ("get", "/api/v1/batches/{batch}/bundles/LA-CCB/manifest"),
    ("get", "/api/v1/decisions/{decision}/documents/motion.pdf"),
    ("post", "/api/v1/preview?doc=motion&format=pdf"),
    ("post", "/api/v1/batches"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/batches/{batch}/approvals"),
    ("get", "/api/v1/batches/{batch}/approvals"),
]
ALLOWED = {
    ("get", "/api/v1/batches"): {"submitter", "attorney", "clerk"},
    ("get", "/api/v1/batches/{batch}"): {"submitter", "attorney", "clerk"},
    ("get", "/api/v1/batches/{batch}/bundles/LA-CCB"): {"clerk"},
    ("get", "/api/v1/batches/{batch}/bundles/LA-CCB/manifest"): {"clerk"},
    ("get", "/api/v1/decisions/{decision}/documents/motion.pdf"): {"attorney"},
    ("post", "/api/v1/preview?doc=motion&format=pdf"): {"attorney"},
    ("post", "/api/v1/batches"): {"submitter"},
    ("get", "/api/v1/audit"): {"auditor"},
    ("get", "/api/v1/users"): {"admin"},
    ("post", "/api/v1/batches/{batch}/approvals"): {"attorney", "admin"},
    ("get", "/api/v1/batches/{batch}/approvals"): {"submitter", "attorney", "clerk", "admin"},
}


def call(site: Site, method: str, template: str, who: str | None) -> Any:
    url = template.format(batch=site.batch_id, decision=first_decision(site)["decision_id"])
    headers = site.auth(who) if who else {}
    if method == "post":
        body = EXAMPLE_DECISION.read_bytes() if "preview" in url else b"[]"
        return site.client.post(url, content=body, headers={**headers, "content-type": "application/json"})
    return site.client.get(url, headers=headers)


@pytest.mark.parametrize(("method", "template"), PROTECTED)
def test_no_token_is_401_with_the_error_shape(site: Site, method: str, template: str) -> None:
    response = call(site, method, template, None)
    assert response.status_code == 401 and error_of(response)["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "template"), PROTECTED)
def test_each_role_gets_only_what_it_may(site: Site, method: str, template: str) -> None:
    for who in ("submitter", "attorney", "clerk", "auditor", "admin"):
        response = call(site, method, template, who)
        if who in ALLOWED[(method, template)]:
            assert response.status_code < 400 or response.status_code == 422, (who, response.text)
        else:
            assert response.status_code == 403, (who, template, response.status_code)
            assert error_of(response)["code"] == "forbidden"


def test_a_revoked_or_unknown_token_is_401(site: Site) -> None:
    accounts = site.client.app.state.accounts  # type: ignore[attr-defined]
    token_id, token = accounts.create_token("submitter")
    assert site.client.get("/api/v1/batches", headers={"authorization": f"Bearer {token}"}).status_code == 200
    accounts.revoke_token(token_id)
    assert site.client.get("/api/v1/batches", headers={"authorization": f"Bearer {token}"}).status_code == 401
    assert (
        site.client.get("/api/v1/batches", headers={"authorization": "Bearer cdt_nonsense"}).status_code
        == 401
    )


def test_a_clerk_cannot_download_another_courts_bundle(site: Site) -> None:
    response = site.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB", "other_clerk")
    assert response.status_code == 403
    assert site.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-VNW", "clerk").status_code == 403


def test_a_clerk_sees_only_their_own_courts_in_a_batch(site: Site) -> None:
    report = site.get(f"/api/v1/batches/{site.batch_id}", "clerk").json()
    assert list(report["courts"]) == ["LA-CCB"]
    assert site.get(f"/api/v1/batches/{site.batch_id}", "other_clerk").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/batches/b20990101-0000000000",
        "/api/v1/batches/{batch}/bundles/LA-NONE",
        "/api/v1/decisions/NO-SUCH-DECISION/documents/motion.pdf",
    ],
)
def test_unknown_ids_are_404(site: Site, url: str) -> None:
    who = "attorney" if "decisions" in url else ("clerk" if "bundles" in url else "submitter")
    if "LA-NONE" in url:
        site.client.app.state.accounts.add_user("none_clerk", Role.CLERK, ["LA-NONE"], None)  # type: ignore[attr-defined]
        site.tokens["none_clerk"] = site.client.app.state.accounts.create_token("none_clerk")[1]  # type: ignore[attr-defined]
        who = "none_clerk"
    response = site.get(url.format(batch=site.batch_id), who)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/api/v1/batches/not-a-batch", "submitter"),
        ("/api/v1/batches/{batch}/bundles/LA%20CCB", "clerk"),
        ("/api/v1/batches/{batch}/bundles/..%5C..", "clerk"),
        ("/api/v1/decisions/bad%20id!/documents/motion.pdf", "attorney"),
        ("/api/v1/decisions/.hidden/documents/motion.pdf", "attorney"),
        ("/api/v1/decisions/{decision}/documents/motion.exe", "attorney"),
        ("/api/v1/decisions/{decision}/documents/secret.pdf", "attorney"),
    ],
)
def test_malformed_ids_are_422_before_anything_is_looked_up(site: Site, url: str, who: str) -> None:
    response = site.get(url.format(batch=site.batch_id, decision=first_decision(site)["decision_id"]), who)
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/api/v1/batches/b20260101-0000000000", "submitter"),
        ("/api/v1/batches/b20260101-0000000000/bundles/LA-CCB", "clerk"),
        ("/api/v1/batches/b20260101-0000000000/bundles/LA-CCB/manifest", "clerk"),
        ("/clerk/batches/b20260101-0000000000/courts/LA-CCB/manifest", "clerk"),
    ],
)
def test_an_unknown_batch_of_the_right_pattern_is_404_json_not_503(site: Site, url: str, who: str) -> None:
    response = site.get(url, who)
    assert response.status_code == 404, response.text
    assert (
        error_of(response)["code"] == "not_found" and "b20260101-0000000000" in error_of(response)["message"]
    )


def test_identifiers_that_climb_out_of_their_folder_never_reach_a_file(site: Site) -> None:
    for url in (
        "/api/v1/decisions/../../etc/passwd/documents/motion.pdf",
        "/api/v1/batches/../../etc/passwd",
    ):
        response = site.get(url, "attorney")
        assert response.status_code in (404, 422) and b"root:" not in response.content


# -- submitting --------------------------------------------------------------------------


def test_submitting_json_lines_answers_202_with_the_status_url_and_is_idempotent(site: Site) -> None:
    body = "\n".join(
        json.dumps(
            dict(
                example_decision(),
                decision_id=f"WEB-{n}",
                case={"number": f"WEB{n}", "convicted_on": "1998-06-15"},
            )
        )
        for n in range(3)
    )
    headers = {**site.auth("submitter"), "content-type": "application/x-ndjson", "idempotency-key": "web-1"}
    first = site.client.post("/api/v1/batches", content=body, headers=headers)
    assert first.status_code == 202 and first.json()["created"] is True
    assert first.json()["status_url"] == f"/api/v1/batches/{first.json()['batch_id']}"
    again = site.client.post("/api/v1/batches", content=body, headers=headers)
    assert again.status_code == 202 and again.json()["batch_id"] == first.json()["batch_id"]
    assert again.json()["created"] is False


def test_an_invalid_batch_is_422_with_every_error_and_nothing_is_queued(site: Site) -> None:
    rt = site.client.app.state.runtime  # type: ignore[attr-defined]
    before, queued = len(rt.store.batches.list_batches()), rt.queue.count
    bad = [
        dict(example_decision(), status="pending"),
        dict(example_decision(), decision_id="x y", basis="HSC 1"),
    ]
    response = site.client.post(
        "/api/v1/batches",
        content=json.dumps(bad),
        headers={**site.auth("submitter"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    details = error_of(response)["details"]
    assert {(d["position"], d["path"]) for d in details} >= {
        ("index 0", "status"),
        ("index 1", "decision_id"),
        ("index 1", "basis"),
    }
    assert len(rt.store.batches.list_batches()) == before and rt.queue.count == queued


def test_a_wrong_content_type_is_415(site: Site) -> None:
    response = site.client.post(
        "/api/v1/batches", content=b"x", headers={**site.auth("submitter"), "content-type": "text/plain"}
    )
    assert response.status_code == 415


def test_an_oversize_body_is_413_refused_before_parsing(tmp_path: Path) -> None:
    app = create_app(Settings(output_dir=tmp_path, max_request_bytes=1000))
    accounts = app.state.accounts
    accounts.add_user("s", Role.SUBMITTER, [], None)
    token = accounts.create_token("s")[1]
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/batches",
            content=b"[" + b" " * 5000 + b"]",
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        )
        assert response.status_code == 413 and error_of(response)["code"] == "too_large"
        assert app.state.runtime.store.batches.list_batches() == []


# -- bundles and documents ---------------------------------------------------------------


def test_the_downloaded_bundle_is_byte_identical_and_named_with_its_hash_as_etag(site: Site) -> None:
    rt = site.client.app.state.runtime  # type: ignore[attr-defined]
    bundle = rt.store.publications.latest_bundle(site.batch_id, "LA-CCB")
    on_disk = (rt.settings.output_dir / bundle.path).read_bytes()
    response = site.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB", "clerk")
    assert response.status_code == 200 and response.content == on_disk
    assert response.headers["etag"] == f'"{hashlib.sha256(on_disk).hexdigest()}"'
    assert f"courtdocs-{site.batch_id}-LA-CCB-v001.zip" in response.headers["content-disposition"]
    assert response.headers["content-type"] == "application/zip"


def test_a_range_request_returns_the_right_slice_for_resuming(site: Site) -> None:
    full = site.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB", "clerk").content
    part = site.get(
        f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB", "clerk", headers={"range": "bytes=1000-2999"}
    )
    assert part.status_code == 206 and part.content == full[1000:3000]
    assert part.headers["content-range"] == f"bytes 1000-2999/{len(full)}"
    tail = site.get(
        f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB",
        "clerk",
        headers={"range": f"bytes={len(full) - 10}-"},
    )
    assert tail.content == full[-10:]


def test_the_manifest_endpoint_returns_the_bundles_manifest(site: Site) -> None:
    manifest = site.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB/manifest", "clerk").json()
    assert manifest["batch_id"] == site.batch_id and manifest["court"]["code"] == "LA-CCB"
    assert all(len(item["sha256"]) == 64 for item in manifest["files"])


@pytest.mark.parametrize(
    ("kind", "fmt", "media"),
    [
        ("motion", "pdf", "application/pdf"),
        ("order", "docx", "officedocument"),
        ("letter", "pdf", "application/pdf"),
        ("motion", "html", "text/html"),
    ],
)
def test_an_attorney_gets_each_document_of_a_decision(site: Site, kind: str, fmt: str, media: str) -> None:
    decision = next(d for d in map(json.loads, site.sample.read_text().splitlines()) if d["person"]["notify"])
    response = site.get(f"/api/v1/decisions/{decision['decision_id']}/documents/{kind}.{fmt}", "attorney")
    assert response.status_code == 200 and media in response.headers["content-type"]


def test_a_document_not_yet_rendered_is_rendered_on_demand(site: Site, tmp_path: Path) -> None:
    value = dict(
        example_decision(), decision_id="WEB-ONDEMAND", case={"number": "OD1", "convicted_on": "1998-06-15"}
    )
    site.client.post(
        "/api/v1/batches",
        content=json.dumps([value]),
        headers={**site.auth("submitter"), "content-type": "application/json"},
    )
    response = site.get("/api/v1/decisions/WEB-ONDEMAND/documents/motion.pdf", "attorney")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "m.pdf"
    path.write_bytes(response.content)
    assert (
        "OD1"
        in subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    )


def test_a_preview_is_marked_draft_on_every_page_and_stores_nothing(site: Site, tmp_path: Path) -> None:
    rt = site.client.app.state.runtime  # type: ignore[attr-defined]
    before = len(rt.store.batches.list_batches())
    value = example_decision()
    value["counts"] = [dict(value["counts"][0], count=n) for n in range(1, 14)]  # several pages
    response = site.client.post(
        "/api/v1/preview?doc=motion&format=pdf",
        content=json.dumps(value),
        headers={**site.auth("attorney"), "content-type": "application/json"},
    )
    assert response.status_code == 200
    path = tmp_path / "draft.pdf"
    path.write_bytes(response.content)
    pages = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2 and all("DRAFT: NOT FOR FILING" in page for page in pages)
    assert len(rt.store.batches.list_batches()) == before


def test_a_preview_of_an_invalid_decision_is_422_naming_the_field(site: Site) -> None:
    response = site.client.post(
        "/api/v1/preview",
        content=json.dumps(dict(example_decision(), status="draft")),
        headers={**site.auth("attorney"), "content-type": "application/json"},
    )
    assert response.status_code == 422 and error_of(response)["details"][0]["path"] == "status"


# -- audit, headers, openapi -------------------------------------------------------------


def test_the_audit_log_records_submissions_downloads_and_previews_without_personal_data(site: Site) -> None:
    site.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB", "clerk")
    entries = site.get("/api/v1/audit", "auditor").json()
    actions = {(entry["actor"], entry["action"]) for entry in entries}
    assert ("clerk", "download") in actions
    assert any(action == "submit" for _, action in actions)
    text = json.dumps(entries)
    for decision in map(json.loads, site.sample.read_text().splitlines()):
        assert decision["person"]["name"] not in text and decision["person"]["dob"] not in text


def test_every_response_carries_the_security_headers(site: Site) -> None:
    for response in (
        site.client.get("/login"),
        site.get("/api/v1/batches", "submitter"),
        site.client.get("/api/v1/batches"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]


def test_the_openapi_document_describes_the_api(site: Site) -> None:
    paths = site.client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/batches" in paths and "/api/v1/preview" in paths


# -- people: login, session cookie, CSRF -------------------------------------------------


def login(site: Site, name: str, password: str = PASSWORD) -> Any:
    page = site.client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    return site.client.post(
        "/login", data={"name": name, "password": password, "csrf": csrf}, follow_redirects=False
    )


def test_login_needs_the_forms_csrf_token(site: Site) -> None:
    site.client.cookies.clear()
    response = site.client.post("/login", data={"name": "clerk", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403


def test_a_wrong_password_is_refused_and_audited(site: Site) -> None:
    site.client.cookies.clear()
    response = login(site, "clerk", "wrong password!")
    assert response.status_code == 303 and response.headers["location"] == "/login?error=1"
    assert "courtdocs_session" not in response.cookies


def test_a_clerk_logs_in_with_an_httponly_samesite_cookie_and_sees_the_bundle_page(site: Site) -> None:
    site.client.cookies.clear()
    response = login(site, "clerk")
    assert response.status_code == 303 and response.headers["location"] == "/clerk"
    cookie = response.headers["set-cookie"]
    assert "courtdocs_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = site.client.get("/clerk")
    assert page.status_code == 200 and site.batch_id in page.text
    assert "Download DRAFT bundle" in page.text and "Draft: awaiting approval. Do not file." in page.text
    assert site.client.get(f"/api/v1/batches/{site.batch_id}/bundles/LA-CCB").status_code == 200
    # A state-changing API call with only the cookie (a cross-site form could send it) is refused.
    assert (
        site.client.post(
            "/api/v1/batches", content=b"[]", headers={"content-type": "application/json"}
        ).status_code
        == 403
    )
    site.client.cookies.clear()


def test_an_attorney_sees_the_peoples_response_to_a_petition_and_the_motion_otherwise(site: Site) -> None:
    site.client.cookies.clear()
    assert login(site, "attorney").status_code == 303
    lines = [json.loads(line) for line in site.sample.read_text().splitlines()[:4]]
    assert {line["basis"] for line in lines} == {"HSC 11361.8", "HSC 11361.9"}  # seed 4: line 4 petitions
    for line in lines:
        page = site.client.get("/attorney", params={"q": line["case"]["number"]}).text
        people, other = ("Response", "Motion") if line["basis"] == "HSC 11361.8" else ("Motion", "Response")
        assert f"{people} (PDF)" in page and f'title="{people} for case' in page and other not in page
    site.client.cookies.clear()


def test_the_login_page_and_stylesheet_never_build_the_document_renderer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("a page built the document Renderer (and WeasyPrint)")

    monkeypatch.setattr("service.pipeline.runtime.Renderer", refuse)
    app = create_app(Settings(output_dir=tmp_path))
    with TestClient(app) as client:
        page = client.get("/login")
        assert page.status_code == 200 and 'name="csrf"' in page.text
        css = client.get("/static/web.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "renderer" not in vars(app.state.runtime)


def test_pages_send_people_without_a_session_to_the_login_page(site: Site) -> None:
    site.client.cookies.clear()
    response = site.client.get("/clerk", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_a_stored_decision_that_no_longer_validates_is_refused_without_quoting_it(site: Site) -> None:
    """pydantic's message quotes values (names, dates of birth); it must not reach the client."""
    from sqlalchemy import update

    from service.db.schema import decisions

    value = dict(
        example_decision(), decision_id="WEB-STALE", case={"number": "STALE1", "convicted_on": "1998-06-15"}
    )
    site.client.post(
        "/api/v1/batches",
        content=json.dumps([value]),
        headers={**site.auth("submitter"), "content-type": "application/json"},
    )
    stale = json.dumps(dict(value, person=dict(value["person"], dob="not a date")))
    rt = site.client.app.state.runtime  # type: ignore[attr-defined]
    with rt.store.engine.begin() as conn:
        conn.execute(update(decisions).where(decisions.c.decision_id == "WEB-STALE").values(payload=stale))
    response = site.get("/api/v1/decisions/WEB-STALE/documents/motion.pdf", "attorney")
    assert response.status_code == 422 and error_of(response)["code"] == "cannot_render"
    assert value["person"]["name"] not in response.text and "not a date" not in response.text
