"""Approving court filings over HTTP and on the attorney's page: who may, what is refused and how.

The batch is submitted but not rendered: approving needs no documents, and the omnibus filing's
publication is queued by the workers, which do not run here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.accounts import Role
from service.db.sql import now
from service.pipeline.approve import filing_date
from service.pipeline.submit import submit_file
from service.web.app import create_app
from tests.pdftools import reading_text
from tests.pipeline_helpers import make_pipeline
from tests.web.http_helpers import error_of

PASSWORD = "correct horse battery staple"
SIGNER = {"name": "Dana Whitfield", "title": "Deputy District Attorney", "bar_number": "123456"}


@dataclass
class Site:
    client: TestClient
    tokens: dict[str, str]
    batch_id: str
    courts: list[str]

    def approvals_url(self) -> str:
        return f"/api/v1/batches/{self.batch_id}/approvals"

    def post(self, who: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            self.approvals_url(), json=body, headers={"authorization": f"Bearer {self.tokens[who]}"}
        )

    def get(self, who: str) -> Any:
        return self.client.get(self.approvals_url(), headers={"authorization": f"Bearer {self.tokens[who]}"})

    def log_in(self, name: str) -> str:
        """Log in with the page's form; return the session's CSRF token, as the pages carry it."""
        self.client.cookies.clear()
        page = self.client.get("/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        response = self.client.post(
            "/login", data={"name": name, "password": PASSWORD, "csrf": csrf}, follow_redirects=False
        )
        assert response.status_code == 303
        return str(self.client.get("/account").text.split('name="csrf" value="')[1].split('"')[0])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    pipeline = make_pipeline(tmp_path / "out")
    rt = pipeline.runtime()
    batch_id = submit_file(rt, pipeline.sample_file(4, courts=2, seed=13)).batch_id
    courts = [court.court_code for court in rt.store.publications.courts_of(batch_id)]
    app = create_app(pipeline.settings)
    tokens = {}
    for name, role, its_courts in (
        ("attorney", Role.ATTORNEY, []),
        ("admin", Role.ADMIN, []),
        ("clerk", Role.CLERK, courts[:1]),
        ("auditor", Role.AUDITOR, []),
        ("submitter", Role.SUBMITTER, []),
    ):
        app.state.accounts.add_user(name, role, its_courts, PASSWORD)
        tokens[name] = app.state.accounts.create_token(name)[1]
    with TestClient(app) as client:
        yield Site(client, tokens, batch_id, courts)
    pipeline.close()


# -- the API -------------------------------------------------------------------------------


def test_an_attorney_approves_a_court_and_everyone_who_may_read_sees_the_approval(site: Site) -> None:
    court = site.courts[0]
    response = site.post("attorney", {"courts": [court], **SIGNER, "email": "dw@da.example.gov"})

    assert response.status_code == 201, response.text
    [approval] = response.json()
    assert {key: approval[key] for key in ("court_code", "name", "title", "bar_number", "email")} == {
        "court_code": court,
        **SIGNER,
        "email": "dw@da.example.gov",
    }
    assert approval["approved_by"] == "attorney"
    assert approval["approved_on"] == filing_date(now()).isoformat()
    for who in ("attorney", "admin", "submitter", "clerk"):
        assert site.get(who).json() == [approval], who
    entries = site.client.get("/api/v1/audit", headers={"authorization": f"Bearer {site.tokens['auditor']}"})
    newest = entries.json()[0]
    assert (newest["actor"], newest["action"], newest["target"], newest["outcome"]) == (
        "attorney",
        "approve_filing",
        f"{site.batch_id}/{court}",
        "approved: SBN 123456",
    )


def test_an_admin_may_approve_every_court_at_once(site: Site) -> None:
    response = site.post("admin", {"all": True, **SIGNER})
    assert response.status_code == 201 and [a["court_code"] for a in response.json()] == site.courts


@pytest.mark.parametrize("who", ["clerk", "auditor", "submitter"])
def test_other_roles_may_not_approve(site: Site, who: str) -> None:
    response = site.post(who, {"all": True, **SIGNER})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert site.get("attorney").json() == []


def test_an_approval_without_a_bar_number_is_422_naming_bar_number(site: Site) -> None:
    response = site.post("attorney", {"all": True, "name": "Dana Whitfield", "title": "Deputy"})
    assert response.status_code == 422
    assert [(d["path"], d["message"]) for d in error_of(response)["details"]] == [
        ("bar_number", "is required")
    ]


def test_a_second_approval_is_409_naming_the_first(site: Site) -> None:
    assert site.post("attorney", {"courts": site.courts[:1], **SIGNER}).status_code == 201
    response = site.post("admin", {"all": True, **{**SIGNER, "name": "Someone Else"}})
    error = error_of(response)
    assert (response.status_code, error["code"]) == (409, "conflict")
    assert "already approved: signed by Dana Whitfield (SBN 123456)" in error["message"]
    assert [a["court_code"] for a in site.get("attorney").json()] == site.courts[:1]  # all or none


def test_an_unknown_court_or_batch_is_404(site: Site) -> None:
    response = site.post("attorney", {"courts": [site.courts[0], "NOPE"], **SIGNER})
    assert response.status_code == 404 and error_of(response)["message"].endswith("has no court NOPE")
    unknown = site.client.get(
        "/api/v1/batches/b20990101-0000000000/approvals",
        headers={"authorization": f"Bearer {site.tokens['attorney']}"},
    )
    assert unknown.status_code == 404
    assert site.get("attorney").json() == []


@pytest.mark.parametrize("choice", [{"all": True, "courts": ["LA-CCB"]}, {}, {"all": False}])
def test_courts_or_all_exactly_one(site: Site, choice: dict[str, Any]) -> None:
    response = site.post("attorney", {**choice, **SIGNER})
    assert response.status_code == 422 and error_of(response)["code"] == "invalid"


def test_a_clerk_sees_only_the_approvals_of_their_courts(site: Site) -> None:
    assert site.post("attorney", {"all": True, **SIGNER}).status_code == 201
    assert [a["court_code"] for a in site.get("clerk").json()] == site.courts[:1]


def test_an_approval_with_only_the_session_cookie_needs_the_csrf_header(site: Site) -> None:
    csrf = site.log_in("attorney")
    body = {"all": True, **SIGNER}
    assert site.client.post(site.approvals_url(), json=body).status_code == 403
    response = site.client.post(site.approvals_url(), json=body, headers={"x-csrf-token": csrf})
    assert response.status_code == 201


def test_a_document_rendered_on_demand_is_a_draft_until_its_court_is_approved_then_signed(
    site: Site, tmp_path: Path
) -> None:
    """An omnibus batch stores no per-case documents: the attorney's download renders one."""
    rt = site.client.app.state.runtime  # type: ignore[attr-defined]
    court = site.courts[0]
    decision = next(row for row in rt.store.batches.decision_rows(site.batch_id) if row.court_code == court)
    url = f"/api/v1/decisions/{decision.decision_id}/documents/motion.pdf"

    def motion_text() -> str:
        response = site.client.get(url, headers={"authorization": f"Bearer {site.tokens['attorney']}"})
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        path = tmp_path / "motion.pdf"
        path.write_bytes(response.content)
        return reading_text(path)

    draft = motion_text()
    assert "DRAFT" in draft and "/s/" not in draft and "Dana Whitfield" not in draft
    assert site.post("attorney", {"courts": [court], **SIGNER}).status_code == 201
    signed = motion_text()
    assert "/s/ Dana Whitfield" in signed and "SBN 123456" in signed and "DRAFT" not in signed


def test_a_letter_rendered_on_demand_is_marked_not_for_mailing_even_once_approved(site: Site) -> None:
    """No ruling is recorded yet, so no letter may go out: an approval of the filing changes nothing."""
    rt = site.client.app.state.runtime  # type: ignore[attr-defined]
    court = site.courts[0]
    rows = [row for row in rt.store.batches.decision_rows(site.batch_id) if row.court_code == court]
    decision = next(row for row in rows if '"notify":true' in row.payload.replace(" ", ""))
    assert site.post("attorney", {"courts": [court], **SIGNER}).status_code == 201
    for fmt in ("pdf", "html"):  # the diagonal mark extracts as fragments: its words are read in the HTML
        response = site.client.get(
            f"/api/v1/decisions/{decision.decision_id}/documents/letter.{fmt}",
            headers={"authorization": f"Bearer {site.tokens['attorney']}"},
        )
        assert response.status_code == 200
    assert response.content.startswith(b"<!DOCTYPE") or b"<html" in response.content[:200]
    assert '<div class="draft-mark">DRAFT: NOT FOR MAILING</div>' in response.text


# -- the attorney's page -------------------------------------------------------------------


def approve_page(site: Site, court: str) -> str:
    return f"/attorney/batches/{site.batch_id}/courts/{court}/approve"


def test_the_page_lists_each_court_awaiting_approval_and_approves_one_through_its_form(site: Site) -> None:
    csrf = site.log_in("attorney")
    court, other = site.courts
    listing = site.client.get("/attorney").text
    assert listing.count("Awaiting approval") == 2 and approve_page(site, court) in listing
    form = site.client.get(approve_page(site, court))
    assert form.status_code == 200 and 'name="bar_number"' in form.text and f'value="{csrf}"' in form.text

    response = site.client.post(
        approve_page(site, court), data={**SIGNER, "email": "", "csrf": csrf}, follow_redirects=False
    )

    assert response.status_code == 303 and response.headers["location"] == f"/attorney#batch-{site.batch_id}"
    listing = site.client.get("/attorney").text
    dated = filing_date(now()).strftime("%B %d, %Y")
    assert f"Approved by Dana Whitfield, SBN 123456, on {dated}" in listing
    assert listing.count("Awaiting approval") == 1 and approve_page(site, other) in listing
    [approval] = site.get("attorney").json()
    assert (approval["court_code"], approval["email"]) == (court, None)
    again = site.client.get(approve_page(site, court)).text
    assert (
        "Approved by Dana Whitfield, Deputy District Attorney, SBN 123456" in again
        and '<form method="post" action="/attorney/batches' not in again
    )


def test_the_form_shows_each_error_by_its_field_and_keeps_what_was_typed(site: Site) -> None:
    csrf = site.log_in("attorney")
    court = site.courts[0]
    response = site.client.post(
        approve_page(site, court),
        data={"name": "Dana Whitfield", "title": "", "bar_number": "12a", "email": "dw", "csrf": csrf},
    )
    assert response.status_code == 422
    page = response.text
    assert '<span class="error" id="title-error">Title is required</span>' in page
    assert '<span class="error" id="bar_number-error">State Bar number must be 1 to 7 digits</span>' in page
    assert 'id="email-error">Email must be an email address' in page
    assert 'id="name-error"' not in page and 'value="Dana Whitfield"' in page and 'value="12a"' in page
    assert page.count('aria-invalid="true"') == 3
    assert site.get("attorney").json() == []


def test_the_form_needs_the_sessions_csrf_token_and_an_attorney(site: Site) -> None:
    site.log_in("attorney")
    forged = site.client.post(approve_page(site, site.courts[0]), data={**SIGNER, "csrf": "forged"})
    assert forged.status_code == 403
    csrf = site.log_in("clerk")
    clerk = site.client.post(approve_page(site, site.courts[0]), data={**SIGNER, "csrf": csrf})
    assert clerk.status_code == 403
    assert site.get("attorney").json() == []


def test_a_second_approval_through_the_form_shows_who_approved_it(site: Site) -> None:
    court = site.courts[0]
    csrf = site.log_in("attorney")
    form = {**SIGNER, "csrf": csrf}
    assert site.client.post(approve_page(site, court), data=form, follow_redirects=False).status_code == 303
    response = site.client.post(approve_page(site, court), data={**form, "bar_number": "7"})
    assert response.status_code == 409
    assert (
        'role="alert">the ' in response.text
        and "is already approved: signed by Dana Whitfield" in response.text
    )


# -- the clerk's page ----------------------------------------------------------------------


def test_the_clerks_page_says_draft_then_approved_while_the_signed_filing_is_being_prepared(
    site: Site,
) -> None:
    site.log_in("clerk")
    before = site.client.get("/clerk").text
    assert "Draft: awaiting approval. Do not file." in before and "Not ready yet" in before
    assert site.post("attorney", {"courts": site.courts[:1], **SIGNER}).status_code == 201
    after = site.client.get("/clerk").text
    dated = filing_date(now()).strftime("%B %d, %Y")
    assert (
        f"Approved by Dana Whitfield (SBN 123456) on {dated}; the signed filing is being prepared. "
        "Do not file the draft." in after
    )
    assert "Draft: awaiting approval" not in after and "ready to file" not in after
