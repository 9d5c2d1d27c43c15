"""What the API and the clerk's manifest page say about a court's filing: draft, final, incomplete.

Two published batches of one court (LA-CCB): a per-case batch in which one decision cannot render
(its case is left out: the filing is incomplete) and which nobody approves, and an omnibus batch
approved over the API and published again, final and signed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.kinds import DocumentKind, OutputFormat
from service.core.states import DocumentState
from service.db.accounts import Role
from service.db.sql import now
from service.pipeline.approve import filing_date
from service.web.app import create_app
from tests.pipeline_helpers import Pipeline, make_pipeline

PASSWORD = "correct horse battery staple"
SIGNER = {"name": "Dana Whitfield", "title": "Deputy District Attorney", "bar_number": "123456"}
LINEAR_B = "𐀀𐀁"  # no bundled font draws it: the decision's documents fail with a reason


@dataclass
class Site:
    pipeline: Pipeline
    client: TestClient
    tokens: dict[str, str]
    per_case: str  # batch id: per-case, one case left out, not approved
    omnibus: str  # batch id: omnibus, approved and published again
    missing_case: str  # the per-case batch's case that failed
    per_case_decision: str  # a decision of the per-case batch that rendered

    def get(self, url: str, who: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers={"authorization": f"Bearer {self.tokens[who]}"}, **kwargs)

    def page(self, url: str, who: str) -> str:
        self.client.cookies.clear()
        form = self.client.get("/login").text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        login = {"name": who, "password": PASSWORD, "csrf": csrf}
        assert self.client.post("/login", data=login, follow_redirects=False).status_code == 303
        response = self.client.get(url)
        self.client.cookies.clear()
        assert response.status_code == 200, response.text
        return str(response.text)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    pipeline = make_pipeline(tmp_path_factory.mktemp("filing") / "out")
    pipeline.runtime().redis.ping()
    sample = pipeline.sample_file(3, courts=1, seed=22)
    lines = [json.loads(line) for line in sample.read_text().splitlines()]
    lines[1]["person"]["aka"] = [LINEAR_B]
    sample.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    per_case = pipeline.courtdocs("submit", str(sample), "--filing", "per-case").stdout.strip()
    omnibus = pipeline.courtdocs("submit", str(pipeline.sample_file(3, courts=1, seed=23))).stdout.strip()
    pipeline.courtdocs("worker", "--burst")
    app = create_app(pipeline.settings)
    tokens = {}
    for name, role, courts in (
        ("attorney", Role.ATTORNEY, []),
        ("clerk", Role.CLERK, ["LA-CCB"]),
        ("submitter", Role.SUBMITTER, []),
    ):
        app.state.accounts.add_user(name, role, courts, PASSWORD)
        tokens[name] = app.state.accounts.create_token(name)[1]
    with TestClient(app) as client:
        approved = client.post(
            f"/api/v1/batches/{omnibus}/approvals",
            json={"all": True, **SIGNER},
            headers={"authorization": f"Bearer {tokens['attorney']}"},
        )
        assert approved.status_code == 201, approved.text
        pipeline.courtdocs("worker", "--burst")
        yield Site(
            pipeline,
            client,
            tokens,
            per_case,
            omnibus,
            lines[1]["case"]["number"],
            lines[0]["decision_id"],
        )
    pipeline.close()


def test_the_status_json_of_an_unapproved_per_case_batch_says_draft_and_names_the_missing_case(
    site: Site,
) -> None:
    for who in ("submitter", "clerk", "attorney"):
        report = site.get(f"/api/v1/batches/{site.per_case}", who).json()
        court = report["courts"]["LA-CCB"]
        assert report["filing"] == "per-case", who
        assert court["approval"] is None and court["bundle"]["final"] is False, who
        assert court["missing_cases"] == [site.missing_case], who


def test_the_status_json_of_an_approved_omnibus_batch_names_the_signer_and_its_final_bundle(
    site: Site,
) -> None:
    report = site.get(f"/api/v1/batches/{site.omnibus}", "submitter").json()
    court = report["courts"]["LA-CCB"]
    assert report["filing"] == "omnibus" and court["missing_cases"] == []
    assert court["approval"] == {
        **SIGNER,
        "approved_on": filing_date(now()).isoformat(),
        "approved_by": "attorney",
    }
    assert court["bundle"]["final"] is True and court["bundle"]["version"] == 2
    assert court["bundle"]["url"] == f"/api/v1/batches/{site.omnibus}/bundles/LA-CCB"
    listed = {batch["batch_id"]: batch for batch in site.get("/api/v1/batches", "clerk").json()}
    assert listed[site.omnibus]["courts"]["LA-CCB"]["bundle"]["final"] is True
    assert listed[site.per_case]["courts"]["LA-CCB"]["missing_cases"] == [site.missing_case]


def test_the_manifest_page_of_a_draft_incomplete_filing_says_so_above_the_files_naming_the_case(
    site: Site,
) -> None:
    page = site.page(f"/clerk/batches/{site.per_case}/courts/LA-CCB/manifest", "clerk")
    status = page.split('<section class="filing-status"')[1].split("</section>")[0]
    assert 'data-status="incomplete"' in status and "Filing index: Incomplete" in status
    assert "Draft: awaiting approval. Do not file." in status
    assert "1 case(s) left out of this filing" in status
    assert f"<strong>{site.missing_case}</strong>: " in status and "MissingGlyphError" in status
    assert "Filed as a motion (or response) and an order for each case (per case):" in status
    assert "Final:" not in status
    assert page.index("filing-status") < page.index('<table class="manifest">')


def test_the_manifest_page_of_an_approved_filing_says_final_and_who_signed_it(site: Site) -> None:
    page = site.page(f"/clerk/batches/{site.omnibus}/courts/LA-CCB/manifest", "clerk")
    status = page.split('<section class="filing-status"')[1].split("</section>")[0]
    dated = filing_date(now()).strftime("%B %d, %Y")
    assert 'data-status="final"' in status and "Filing index: Final" in status
    assert f"Signed by Dana Whitfield, SBN 123456, on {dated}" in status
    assert "Draft" not in status and "Incomplete" not in status
    assert "Filed as one motion (or response) and one proposed order per statutory basis" in status


def test_an_attorney_gets_a_per_case_batchs_stored_document_as_the_worker_wrote_it(site: Site) -> None:
    rt = site.pipeline.runtime()
    stored = rt.store.documents.document(
        site.per_case, DocumentKind.MOTION, OutputFormat.PDF, site.per_case_decision
    )
    assert stored is not None and stored.state is DocumentState.RENDERED and stored.path is not None
    response = site.get(f"/api/v1/decisions/{site.per_case_decision}/documents/motion.pdf", "attorney")
    assert response.status_code == 200
    assert response.content == (site.pipeline.output / stored.path).read_bytes()
