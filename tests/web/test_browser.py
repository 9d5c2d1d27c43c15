"""A clerk and an attorney use the pages in a real browser (headless Chromium driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.bundle.verify import verify_bundle
from service.db.accounts import Accounts, Role
from tests.pipeline_helpers import Pipeline, free_port, make_pipeline

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
SIGNER = {"name": "Dana Whitfield", "title": "Deputy District Attorney", "bar_number": "123456"}
LINEAR_B = "𐀀𐀁"  # no bundled font draws it: the decision's documents fail with a reason
RENDER_MS = 120_000  # how long a page may wait for documents rendered on demand
SCREENSHOTS = os.environ.get("COURTDOCS_SCREENSHOTS")  # a folder to keep the screenshots in, if set

pytestmark = pytest.mark.browser


@dataclass
class Server:
    url: str
    pipeline: Pipeline
    batch_id: str  # omnibus, 6 decisions: a draft until the attorney approves it through the form
    case_number: str
    per_case: str  # per-case, 3 decisions, one of which cannot render: incomplete, never approved
    missing_case: str
    to_approve: str  # omnibus, 2 decisions: approved over the API by the clerk's last test


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (CI installs it in .ci/install)")
        pytest.skip("Chromium is not installed")
    pipeline = make_pipeline(tmp_path_factory.mktemp("browser") / "out")
    pipeline.runtime().redis.ping()
    sample = pipeline.sample_file(6, courts=1, seed=21)
    batch_id = pipeline.courtdocs("submit", str(sample)).stdout.strip()
    broken = pipeline.sample_file(3, courts=1, seed=22)
    lines = [json.loads(line) for line in broken.read_text().splitlines()]
    lines[1]["person"]["aka"] = [LINEAR_B]
    broken.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    per_case = pipeline.courtdocs("submit", str(broken), "--filing", "per-case").stdout.strip()
    to_approve = pipeline.courtdocs("submit", str(pipeline.sample_file(2, courts=1, seed=23))).stdout.strip()
    pipeline.courtdocs("worker", "--burst", timeout=600)
    accounts = Accounts(pipeline.runtime().store)
    accounts.add_user("clerk", Role.CLERK, ["LA-CCB"], PASSWORD)
    accounts.add_user("attorney", Role.ATTORNEY, [], PASSWORD)
    port = free_port()
    process = pipeline.serve(port)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url + "/login")
        case_number = sample.read_text().split('"number": "')[1].split('"')[0]
        yield Server(url, pipeline, batch_id, case_number, per_case, lines[1]["case"]["number"], to_approve)
    finally:
        process.terminate()
        process.wait(timeout=30)
        pipeline.close()


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def log_in(browser: Any, server: Server, name: str) -> Any:
    # Tall enough for the whole page: a full-page screenshot would resize the viewport and make
    # Chromium's PDF viewer redraw the previews mid-capture.
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def keep(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path))
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SCREENSHOTS) / name)
    assert path.stat().st_size > 10_000  # a real picture, not a blank page
    return path


def batch_section(page: Any, batch_id: str) -> Any:
    """Return the clerk's page section of one batch."""
    return page.locator("section.batch", has=page.locator(f"#batch-{batch_id}"))


def download_bundle(page: Any, link: Any, tmp_path: Path) -> Path:
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    return saved


def test_a_clerk_sees_a_draft_awaiting_approval_and_downloads_a_draft_bundle_that_verifies(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = log_in(browser, server, "clerk")
    page.wait_for_url("**/clerk")
    batch = batch_section(page, server.batch_id)
    assert "No per-case documents" in batch.locator("tbody td").first.inner_text()  # omnibus
    assert batch.locator("td.filing").inner_text().strip() == "Draft: awaiting approval. Do not file."
    keep(page, tmp_path, "clerk.png")
    saved = download_bundle(page, batch.get_by_role("link", name="Download DRAFT bundle"), tmp_path)
    assert saved.name.startswith(f"courtdocs-{server.batch_id}-LA-CCB-v001")
    assert verify_bundle(saved) == []
    published = server.pipeline.runtime().store.publications.latest_bundle(server.batch_id, "LA-CCB")
    assert published is not None and not published.final
    assert saved.read_bytes() == (server.pipeline.output / published.path).read_bytes()
    batch.get_by_role("link", name="Manifest").click()
    page.wait_for_url("**/manifest")
    status = page.locator("section.filing-status")
    assert status.get_attribute("data-status") == "draft"
    assert "Draft: awaiting approval. Do not file." in status.inner_text()
    assert "clerk-import.csv" in page.content()
    keep(page, tmp_path, "manifest.png")
    page.context.close()


def test_a_clerk_sees_a_per_case_filing_with_a_failed_decision_as_incomplete_naming_the_case(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = log_in(browser, server, "clerk")
    page.wait_for_url("**/clerk")
    batch = batch_section(page, server.per_case)
    assert "an order for each case (per case)" in batch.inner_text()
    progress = batch.locator("progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == "12"
    incomplete = batch.locator("td.filing .incomplete")
    assert incomplete.inner_text().startswith("Incomplete: 1 case(s) left out of this filing:")
    assert server.missing_case in incomplete.inner_text()
    assert batch.get_by_role("link", name="Download DRAFT bundle").count() == 1
    batch.scroll_into_view_if_needed()
    keep(page, tmp_path, "clerk-incomplete.png")
    batch.get_by_role("link", name="Manifest").click()
    page.wait_for_url("**/manifest")
    status = page.locator("section.filing-status")
    assert status.get_attribute("data-status") == "incomplete"
    assert server.missing_case in status.locator("ul.missing").inner_text()
    keep(page, tmp_path, "manifest-incomplete.png")
    page.context.close()


def test_an_attorney_finds_a_decision_by_case_number_and_sees_the_motion_inline(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = log_in(browser, server, "attorney")
    page.wait_for_url("**/attorney")
    page.get_by_label("Case number or decision id").fill(server.case_number)
    # Rendered on demand (an omnibus batch stores no per-case documents), the first by a renderer
    # the server builds then: on a loaded machine that takes longer than Playwright's 30 s default.
    with (
        page.expect_response(
            lambda response: response.url.endswith("/motion.pdf"), timeout=RENDER_MS
        ) as motion,
        page.expect_response(
            lambda response: response.url.endswith("/order.pdf"), timeout=RENDER_MS
        ) as order,
    ):
        page.get_by_role("button", name="Find").click()
    assert order.value.status == 200
    assert motion.value.status == 200 and motion.value.headers["content-type"] == "application/pdf"
    assert page.get_by_role("heading", name=f"Case {server.case_number}:").count() >= 1
    assert page.locator("iframe[title^='Motion']").count() >= 1
    page.wait_for_timeout(3000)  # let both PDF viewers draw before the screenshot
    keep(page, tmp_path, "attorney.png")
    page.context.close()


def test_an_attorney_approves_a_courts_filing_through_the_form_after_correcting_the_bar_number(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = log_in(browser, server, "attorney")
    page.wait_for_url("**/attorney")
    filings = page.locator(f"section#batch-{server.batch_id}")
    assert filings.get_by_text("Awaiting approval").count() == 1
    filings.get_by_role("link", name="Approve the LA-CCB filing").click()
    page.wait_for_url("**/courts/LA-CCB/approve")
    page.get_by_label("Name of the signing attorney").fill("Dana Whitfield")
    page.get_by_label("Title").fill("Deputy District Attorney")
    page.get_by_label("Email (optional)").fill("dwhitfield@da.example.gov")
    page.get_by_role("button", name="Approve and sign the LA-CCB filing").click()

    bar = page.get_by_label("State Bar number")
    assert bar.get_attribute("aria-invalid") == "true"
    assert page.locator("#bar_number-error").inner_text() == "State Bar number is required"
    assert page.get_by_label("Name of the signing attorney").input_value() == "Dana Whitfield"
    keep(page, tmp_path, "approve-refused.png")
    bar.fill("123456")
    page.get_by_role("button", name="Approve and sign the LA-CCB filing").click()

    page.wait_for_url(f"**/attorney#batch-{server.batch_id}")
    filings = page.locator(f"section#batch-{server.batch_id}")
    approved = filings.locator("span.approved")
    assert approved.inner_text().startswith("Approved by Dana Whitfield, SBN 123456, on ")
    assert filings.get_by_text("Awaiting approval").count() == 0
    keep(page, tmp_path, "approve-done.png")
    approval = server.pipeline.runtime().store.approvals.of_court(server.batch_id, "LA-CCB")
    assert approval is not None and (approval.approved_by, approval.email) == (
        "attorney",
        "dwhitfield@da.example.gov",
    )
    page.context.close()


def approve_over_the_api(server: Server, batch_id: str) -> None:
    token = Accounts(server.pipeline.runtime().store).create_token("attorney")[1]
    request = urllib.request.Request(
        f"{server.url}/api/v1/batches/{batch_id}/approvals",
        data=json.dumps({"all": True, **SIGNER}).encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def test_after_approval_a_clerk_sees_who_signed_and_downloads_the_final_bundle(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    approve_over_the_api(server, server.to_approve)
    server.pipeline.courtdocs("worker", "--burst", timeout=600)  # publishes the signed filing
    page = log_in(browser, server, "clerk")
    page.wait_for_url("**/clerk")
    batch = batch_section(page, server.to_approve)
    filing = batch.locator("td.filing").inner_text()
    assert filing.startswith("Approved and signed by Dana Whitfield (SBN 123456) on ")
    assert filing.strip().endswith(": ready to file.") and "Draft" not in filing
    keep(page, tmp_path, "clerk-final.png")
    saved = download_bundle(page, batch.get_by_role("link", name="Download final bundle"), tmp_path)
    assert saved.name.startswith(f"courtdocs-{server.to_approve}-LA-CCB-v002")
    assert verify_bundle(saved) == []
    batch.get_by_role("link", name="Manifest").click()
    page.wait_for_url("**/manifest")
    status = page.locator("section.filing-status")
    assert status.get_attribute("data-status") == "final"
    assert "Signed by Dana Whitfield, SBN 123456, on " in status.inner_text()
    keep(page, tmp_path, "manifest-final.png")
    page.context.close()
