"""What both browser test modules do in a page: launch Debian's Chromium, sign in, pick from a Streamlit
selectbox, take a screenshot into docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from browser_server import CHROMIUM, CHROMIUM_ARGS, REPO

SCREENSHOTS = REPO / "docs" / "screenshots"
TIMEOUT_MS = 90_000  # generous: CI shares 2 cores with the rest of the suite


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(browser, url: str, username: str, password: str):
    """A fresh browser context (own Streamlit session) signed in as `username`."""
    page = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True).new_page()
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Sign in to ptleads").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"({username.split('_')[0]}").first.wait_for(timeout=TIMEOUT_MS)
    return page


def pick(page, label: str, value: str) -> None:
    """Choose `value` in the Streamlit selectbox labelled `label` (typing filters the options)."""
    page.get_by_role("combobox", name=label).click(timeout=TIMEOUT_MS)
    page.keyboard.type(value)
    page.get_by_role("option", name=value, exact=True).click(timeout=TIMEOUT_MS)


def settle(page) -> None:
    """Wait until the script run is over: Streamlit shows its running widget ("Stop") until then, and
    the page's network is idle long before a slow query returns."""
    page.wait_for_timeout(500)  # the widget appears only once the rerun request has gone out
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=TIMEOUT_MS)


def shot(page, name: str) -> None:
    settle(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(700)  # let charts finish their entry transition for a clean picture
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
