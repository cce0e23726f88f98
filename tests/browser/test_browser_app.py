"""Drive the served app in headless Chromium (Debian's) on the fixture snapshot: the admin visits every
page (no tracebacks) and each page's screenshot goes to docs/screenshots/. The staff and analyst
journeys run on a real pipeline run in test_browser_pipeline_e2e.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_pages import TIMEOUT_MS, chromium, settle, shot, sign_in
from browser_server import ServedApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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
    with chromium() as launched:
        yield launched


def test_admin_visits_every_page(served_app: ServedApp, browser) -> None:
    page = sign_in(browser, served_app.url, "admin", "admin-demo")
    for link, (heading, name) in ADMIN_PAGES.items():
        page.get_by_role("link", name=link).click(timeout=TIMEOUT_MS)
        page.get_by_role("heading", name=heading).wait_for(timeout=TIMEOUT_MS)
        settle(page)
        assert "Traceback" not in page.locator("body").inner_text()
        shot(page, name)
