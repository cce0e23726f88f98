"""Drive the served app in headless Chromium (Debian's): staff sign in, work today's call list and log
an outcome (the inbox file gets the line), export (audited); the analyst sees PHI masked; the admin
visits every page. Screenshots of each page go to docs/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from browser_server import CHROMIUM, CHROMIUM_ARGS, REPO, ServedApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = REPO / "docs" / "screenshots"
TIMEOUT_MS = 60_000
FAKE_FIRST = "Testfirst"  # tests/app/app_snapshot_details.py's placeholder first name
ADMIN_PAGES = {
    "Funnel": ("Lead funnel", "funnel.png"),
    "Breakdowns": ("Breakdowns", "breakdowns.png"),
    "Speed to lead": ("Speed to lead", "speed.png"),
    "Leakage": ("Revenue leakage", "leakage.png"),
    "Review queue": ("Review queue", "review_queue.png"),
    "Models": ("Models", "models.png"),
    "Data desk": ("Data desk", "data_desk.png"),
    "Audit log": ("Audit log", "audit_log.png"),
}


@pytest.fixture(scope="module")
def browser(served_app: ServedApp) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in(browser, app: ServedApp, username: str, password: str):
    """A fresh browser context (own session) signed in as `username`."""
    page = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True).new_page()
    page.goto(app.url, timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Sign in to ptleads").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"({username.split('_')[0]}").first.wait_for(timeout=TIMEOUT_MS)
    return page


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(700)  # let charts finish their entry transition for a clean picture
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _audit(app: ServedApp) -> list[dict]:
    path = app.folder / "app_store" / "audit.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_staff_logs_an_outcome_from_todays_call_list(served_app: ServedApp, browser) -> None:
    page = _sign_in(browser, served_app, "staff", "staff-demo")
    page.get_by_role("heading", name="Call list").wait_for(timeout=TIMEOUT_MS)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=TIMEOUT_MS)
    body = page.locator("body").inner_text()
    assert "open leads" in body and "Models" not in body and "Audit log" not in body
    _shot(page, "call_list.png")

    page.get_by_label("Note (optional)").fill("left a message")
    page.get_by_role("button", name="Voicemail").click()
    page.get_by_text("Logged voicemail for").wait_for(timeout=TIMEOUT_MS)
    (outcomes,) = (served_app.folder / "inbox" / "outcomes").glob("outcomes_*_staff.jsonl")
    lines = [json.loads(x) for x in outcomes.read_text().splitlines()]
    assert [(r["outcome"], r["user"], r["note"]) for r in lines] == [("voicemail", "staff", "left a message")]
    assert f"Logged voicemail for {lines[0]['lead_id']}" in page.locator("body").inner_text()

    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "call_list_all.csv"
    page.wait_for_timeout(1000)
    actions = [(e["user"], e["action"]) for e in _audit(served_app)]
    assert ("staff", "outcome") in actions and ("staff", "export") in actions


def test_analyst_sees_masked_phi(served_app: ServedApp, browser) -> None:
    page = _sign_in(browser, served_app, "analyst", "analyst-demo")
    page.get_by_role("heading", name="Lead funnel").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("link", name="Lead detail").click(timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Lead detail").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("combobox", name="Lead").click()
    page.keyboard.type("L00000")
    page.get_by_role("option", name="L00000", exact=True).click(timeout=TIMEOUT_MS)
    page.get_by_text("Timeline").wait_for(timeout=TIMEOUT_MS)
    body = page.locator("body").inner_text()
    assert "•••" in body and FAKE_FIRST not in body
    assert "Call list" not in body and "Audit log" not in body
    _shot(page, "lead_detail_analyst.png")


def test_admin_visits_every_page(served_app: ServedApp, browser) -> None:
    page = _sign_in(browser, served_app, "admin", "admin-demo")
    for link, (heading, shot) in ADMIN_PAGES.items():
        page.get_by_role("link", name=link).click(timeout=TIMEOUT_MS)
        page.get_by_role("heading", name=heading).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        assert "Traceback" not in page.locator("body").inner_text()
        _shot(page, shot)
