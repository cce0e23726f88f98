"""Drive the served app in headless Chromium: the funnel renders, the call list opens; screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browser_server import CHROMIUM, CHROMIUM_ARGS, REPO, ServedApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = REPO / "docs" / "screenshots"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def page(served_app: ServedApp) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1100})
            yield context.new_page()
        finally:
            browser.close()


def _received(snapshot: Path) -> int:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return int(con.execute("select sum(received) from marts.rpt_funnel_daily").fetchone()[0])
    finally:
        con.close()


def test_funnel_renders_in_a_browser(served_app: ServedApp, page) -> None:
    page.goto(served_app.url, timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Lead funnel").wait_for(timeout=TIMEOUT_MS)
    metrics = page.locator('[data-testid="stMetric"]')
    metrics.nth(4).wait_for(timeout=TIMEOUT_MS)
    # Both charts drawn (vega-embed renders the canvas/svg once the data arrived).
    page.locator(".vega-embed canvas, .vega-embed svg").nth(1).wait_for(timeout=TIMEOUT_MS)
    labels = [metrics.nth(i).inner_text().splitlines()[0] for i in range(5)]
    assert labels == ["Received", "Contacted", "Verified", "Scheduled", "Evaluated"]
    assert f"{_received(served_app.snapshot):,}" in metrics.nth(0).inner_text()
    body = page.locator("body").inner_text()
    assert "Data as of 2025-06-30 12:00 UTC" in body
    assert "Received to evaluated" in body
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the chart's entry transition settle for a clean picture
    page.screenshot(path=str(SCREENSHOTS / "funnel.png"), full_page=True)
    assert (SCREENSHOTS / "funnel.png").stat().st_size > 10_000


def test_call_list_opens_from_the_navigation(served_app: ServedApp, page) -> None:
    page.goto(served_app.url, timeout=TIMEOUT_MS)
    page.get_by_role("link", name="Call list").click(timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Call list").wait_for(timeout=TIMEOUT_MS)
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=TIMEOUT_MS)
    assert "open leads" in page.locator("body").inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "call_list.png"), full_page=True)
