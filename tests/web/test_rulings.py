"""Rulings over HTTP and on the clerk's page: who may record one, what is refused and how it is shown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.accounts import Accounts, Role
from service.web.app import create_app
from tests.ruling_helpers import ORDER_PDF, FinalFiling, final_filing
from tests.web.http_helpers import error_of

PASSWORD = "correct horse battery staple"


@dataclass
class Site:
    client: TestClient
    tokens: dict[str, str]
    filing: FinalFiling

    def url(self, court: str | None = None) -> str:
        return f"/api/v1/batches/{self.filing.batch_id}/courts/{court or self.filing.court}/rulings"

    def post(self, who: str, fields: dict[str, str], files: dict[str, Any], court: str | None = None) -> Any:
        return self.client.post(
            self.url(court), data=fields, files=files, headers={"authorization": f"Bearer {self.tokens[who]}"}
        )

    def get(self, who: str, court: str | None = None) -> Any:
        return self.client.get(self.url(court), headers={"authorization": f"Bearer {self.tokens[who]}"})

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
    with final_filing(tmp_path / "out") as filing:
        app = create_app(filing.pipeline.settings)
        tokens = {}
        for name, role, courts in (
            ("clerk", Role.CLERK, [filing.court, filing.draft_court]),
            ("other_clerk", Role.CLERK, [filing.draft_court]),
            ("admin", Role.ADMIN, []),
            ("attorney", Role.ATTORNEY, []),
        ):
            app.state.accounts.add_user(name, role, courts, PASSWORD)
            tokens[name] = app.state.accounts.create_token(name)[1]
        with TestClient(app) as client:
            yield Site(client, tokens, filing)


def order_file(content: bytes = ORDER_PDF) -> dict[str, Any]:
    return {"order": ("signed.pdf", content, "application/pdf")}


def test_a_clerk_records_a_ruling_over_http_and_the_same_again_is_the_same_ruling(site: Site) -> None:
    case = site.filing.filed[0].case.number
    files = {
        **order_file(),
        "exceptions": ("e.csv", f"case_number,count,outcome\n{case},1,denied\n", "text/csv"),
    }
    fields = {"signed_on": site.filing.today.isoformat(), "judge": "Hon. Maria Reyes"}

    first = site.post("clerk", fields, files)
    assert first.status_code == 201
    body = first.json()
    total = sum(len(d.counts) for d in site.filing.filed)
    assert (body["version"], body["judge"], body["new"], body["supersedes_version"]) == (
        1,
        "Hon. Maria Reyes",
        True,
        None,
    )
    assert body["counts"] == {"granted": total - 1, "denied": 1, "modified": 0, "not_found": 0}
    assert body["recorded_by"] == "clerk"

    again = site.post("clerk", fields, files)
    assert again.status_code == 200 and again.json()["new"] is False and again.json()["version"] == 1
    amended = site.post("admin", {**fields, "amend": "true"}, order_file(ORDER_PDF + b"%v2\n"))
    assert amended.status_code == 201 and amended.json()["supersedes_version"] == 1

    listed = site.get("attorney")
    assert listed.status_code == 200
    assert [(r["version"], r["supersedes_version"]) for r in listed.json()] == [(1, None), (2, 1)]
    status = site.client.get(
        f"/api/v1/batches/{site.filing.batch_id}", headers={"authorization": f"Bearer {site.tokens['clerk']}"}
    ).json()
    court = status["courts"][site.filing.court]
    assert court["lifecycle"] == "ruled" and court["ruling"]["superseded_versions"] == 1
    assert (court["ruling"]["order_path"], court["ruling"]["clerk_import_path"]) == (None, None)
    audit = [
        (e["actor"], e["action"], e["outcome"])
        for e in reversed(Accounts(site.filing.rt.store).audit_entries())
        if e["action"] == "record_ruling"
    ]
    assert audit == [
        ("clerk", "record_ruling", f"recorded: v1, signed {site.filing.today.isoformat()}"),
        ("clerk", "record_ruling", "unchanged: v1 recorded before"),
        ("admin", "record_ruling", "amended: v2 supersedes v1"),
    ]


def test_over_http_each_refused_field_is_named_and_the_filing_must_be_final(site: Site) -> None:
    missing = site.post("clerk", {"judge": "Hon. Maria Reyes"}, {})
    assert missing.status_code == 422
    assert [(d["path"], d["message"]) for d in error_of(missing)["details"]] == [
        ("signed_on", "is required"),
        ("order", "is required: the signed order, a PDF"),
    ]
    bad = site.post(
        "clerk",
        {"signed_on": "2999-01-01"},
        {
            **order_file(b"GIF89a"),
            "exceptions": ("e.csv", "case_number,count,outcome\nNOPE,1,denied\n", "text/csv"),
        },
    )
    assert bad.status_code == 422
    assert [(d["position"], d["path"]) for d in error_of(bad)["details"]] == [
        ("", "signed_on"),
        ("", "order"),
        ("exceptions line 2", "case_number"),
    ]
    draft = site.post(
        "clerk", {"signed_on": site.filing.today.isoformat()}, order_file(), site.filing.draft_court
    )
    assert draft.status_code == 409 and error_of(draft)["message"].startswith(
        "a ruling for a filing not yet final"
    )
    assert site.filing.rt.store.rulings.of_batch(site.filing.batch_id) == {}


def test_only_a_clerk_of_the_court_or_an_admin_records_a_ruling(site: Site) -> None:
    fields = {"signed_on": site.filing.today.isoformat()}
    assert site.post("attorney", fields, order_file()).status_code == 403
    assert site.post("other_clerk", fields, order_file()).status_code == 404  # another court: not seen
    assert site.get("other_clerk").status_code == 404
    assert site.filing.rt.store.rulings.of_batch(site.filing.batch_id) == {}


def test_the_clerk_page_offers_the_form_for_a_final_filing_and_shows_errors_by_field(site: Site) -> None:
    csrf = site.log_in("clerk")
    page = site.client.get("/clerk")
    assert page.status_code == 200
    form_action = f"/clerk/batches/{site.filing.batch_id}/courts/{{}}/ruling"
    assert form_action.format(site.filing.court) in page.text
    assert form_action.format(site.filing.draft_court) not in page.text  # a draft: nothing to rule on
    assert "Stage: <strong>filing published</strong>" in page.text

    refused = site.client.post(
        form_action.format(site.filing.court),
        data={"csrf": csrf, "signed_on": "not a date", "judge": "Hon. Maria Reyes"},
        files={
            **order_file(),
            "exceptions": ("e.csv", "case_number,count,outcome\nNOPE,1,denied\n", "text/csv"),
        },
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "The ruling was not recorded: 1 field(s) to correct." in refused.text
    assert "must be a date YYYY-MM-DD, not &#39;not a date&#39;" in refused.text
    assert 'value="Hon. Maria Reyes"' in refused.text  # what was sent is shown back

    wrong_csrf = site.client.post(
        form_action.format(site.filing.court),
        data={"csrf": "forged", "signed_on": site.filing.today.isoformat()},
        files=order_file(),
        follow_redirects=False,
    )
    assert wrong_csrf.status_code == 403

    recorded = site.client.post(
        form_action.format(site.filing.court),
        data={"csrf": csrf, "signed_on": site.filing.today.isoformat(), "judge": "Hon. Maria Reyes"},
        files=order_file(),
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    after = site.client.get("/clerk").text
    assert "Stage: <strong>ruled</strong>" in after
    assert f"Ruling v1, signed {site.filing.today.strftime('%B %d, %Y')} by Hon. Maria Reyes" in after
    assert "Record an amended ruling" in after
    conflict = site.client.post(
        form_action.format(site.filing.court),
        data={"csrf": csrf, "signed_on": site.filing.today.isoformat(), "judge": "Hon. Other"},
        files=order_file(),
        follow_redirects=False,
    )
    assert conflict.status_code == 409  # another ruling, without amend: refused, said on the page
    assert "has a ruling already: version 1" in conflict.text


def test_the_signed_order_and_the_clerk_import_are_downloaded_by_who_may_see_the_court(site: Site) -> None:
    fields = {"signed_on": site.filing.today.isoformat(), "judge": "Hon. Maria Reyes"}
    assert site.post("clerk", fields, order_file()).status_code == 201
    base = site.url() + "/1"
    bearer = {"authorization": f"Bearer {site.tokens['clerk']}"}

    order = site.client.get(f"{base}/order.pdf", headers=bearer)
    assert (order.status_code, order.content) == (200, ORDER_PDF)
    assert order.headers["content-type"] == "application/pdf"
    clerk_import = site.client.get(f"{base}/clerk-import.csv", headers=bearer)
    assert clerk_import.status_code == 200
    row = site.filing.rt.store.rulings.of_court(site.filing.batch_id, site.filing.court)[0]
    path = site.filing.rt.settings.output_dir / row.clerk_import_path
    assert clerk_import.content == path.read_bytes()
    assert "ruling-v001-clerk-import.csv" in clerk_import.headers["content-disposition"]

    other = {"authorization": f"Bearer {site.tokens['other_clerk']}"}
    assert site.client.get(f"{base}/order.pdf", headers=other).status_code == 404
    assert site.client.get(site.url() + "/2/order.pdf", headers=bearer).status_code == 404
    assert site.client.get(f"{base}/secrets.txt", headers=bearer).status_code == 422


def test_the_clerk_page_with_a_ruling_form_does_not_reload_itself(site: Site) -> None:
    site.log_in("clerk")
    page = site.client.get("/clerk").text
    assert "refreshes itself" not in page  # the other court is still being published
    assert f"/clerk/batches/{site.filing.batch_id}/courts/{site.filing.court}/ruling" in page
