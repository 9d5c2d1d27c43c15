"""A clerk and an attorney use the pages in a real browser (headless Chromium driven by Playwright)."""

from __future__ import annotations

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
SCREENSHOTS = os.environ.get("COURTDOCS_SCREENSHOTS")  # a folder to keep the screenshots in, if set

pytestmark = pytest.mark.browser


@dataclass
class Server:
    url: str
    pipeline: Pipeline
    batch_id: str
    case_number: str


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
        yield Server(url, pipeline, batch_id, case_number)
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


def test_a_clerk_logs_in_sees_the_finished_batch_and_downloads_a_bundle_that_verifies(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = log_in(browser, server, "clerk")
    page.wait_for_url("**/clerk")
    assert server.batch_id in page.content()
    assert page.locator("progress").first.get_attribute("value") == page.locator(
        "progress"
    ).first.get_attribute("max")
    keep(page, tmp_path, "clerk.png")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download bundle").first.click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name.startswith(f"courtdocs-{server.batch_id}-LA-CCB-v001")
    assert verify_bundle(saved) == []
    published = server.pipeline.runtime().store.publications.latest_bundle(server.batch_id, "LA-CCB")
    assert published is not None
    assert saved.read_bytes() == (server.pipeline.output / published.path).read_bytes()
    page.get_by_role("link", name="Manifest").first.click()
    page.wait_for_url("**/manifest")
    assert "clerk-import.csv" in page.content()
    keep(page, tmp_path, "manifest.png")
    page.context.close()


def test_an_attorney_finds_a_decision_by_case_number_and_sees_the_motion_inline(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    page = log_in(browser, server, "attorney")
    page.wait_for_url("**/attorney")
    page.get_by_label("Case number or decision id").fill(server.case_number)
    with (
        page.expect_response(
            lambda response: (
                response.url.endswith("/motion.pdf#view=FitH") or response.url.endswith("/motion.pdf")
            )
        ) as motion,
        page.expect_response(lambda response: response.url.endswith("/order.pdf")) as order,
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
    assert page.get_by_text("Awaiting approval").count() == 1
    page.get_by_role("link", name="Approve the LA-CCB filing").click()
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

    page.wait_for_url("**/attorney#batch-*")
    approved = page.locator("span.approved").first
    assert approved.inner_text().startswith("Approved by Dana Whitfield, SBN 123456, on ")
    assert page.get_by_text("Awaiting approval").count() == 0
    keep(page, tmp_path, "approve-done.png")
    approval = server.pipeline.runtime().store.approvals.of_court(server.batch_id, "LA-CCB")
    assert approval is not None and (approval.approved_by, approval.email) == (
        "attorney",
        "dwhitfield@da.example.gov",
    )
    page.context.close()
