"""Every page under every role: allowed roles get the page, others a refusal; signed out gets a prompt.
Navigation lists exactly the pages a role may open."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_snapshot_fixture import PAGES
from conftest import USERS, open_page
from streamlit.testing.v1 import AppTest

from app.lib.auth import PAGE_ROLES
from app.lib.navigation import PAGES as SPECS
from app.lib.navigation import pages_for
from app.lib.page_context import FORBIDDEN_MESSAGE, SIGN_IN_MESSAGE

TITLES = {
    "funnel": "Lead funnel",
    "breakdowns": "Breakdowns",
    "speed": "Speed to lead",
    "leakage": "Revenue leakage",
    "call_list": "Call list",
    "lead_detail": "Lead detail",
    "review_queue": "Review queue",
    "models": "Models",
    "data_desk": "Data desk",
    "audit": "Audit log",
}
CASES = [(spec, role) for spec in SPECS for role in USERS]


@pytest.mark.parametrize(("spec", "role"), CASES, ids=[f"{s.key}-{r}" for s, r in CASES])
def test_every_page_under_every_role(published: Path, spec, role: str) -> None:
    at = open_page(spec.file, role).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    if role in PAGE_ROLES[spec.key]:
        assert FORBIDDEN_MESSAGE not in errors
        assert [t.value for t in at.title] == [TITLES[spec.key]]
    else:
        assert errors == [FORBIDDEN_MESSAGE]
        assert not at.title and not at.dataframe and not at.metric


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_signed_out_sees_only_the_prompt(published: Path, spec) -> None:
    at = open_page(spec.file, None).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [SIGN_IN_MESSAGE]
    assert not at.dataframe and not at.metric


def test_navigation_lists_only_allowed_pages() -> None:
    keys = {role: [p.key for ps in pages_for(u).values() for p in ps] for role, u in USERS.items()}
    assert keys["staff"] == ["call_list", "lead_detail", "review_queue"]
    assert keys["analyst"] == ["funnel", "breakdowns", "speed", "leakage", "lead_detail", "models"]
    assert "audit" not in keys["manager"] and "models" not in keys["manager"]
    assert keys["admin"] == [s.key for s in SPECS]


@pytest.mark.parametrize(("role", "home"), [("staff", "Call list"), ("analyst", "Lead funnel")])
def test_router_opens_the_roles_home_page(published: Path, role: str, home: str) -> None:
    at = AppTest.from_file(str(PAGES.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["user"] = USERS[role]
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == [home]
    assert any(role in c.value for c in at.sidebar.caption)


def test_router_signed_out_offers_only_sign_in(published: Path) -> None:
    at = AppTest.from_file(str(PAGES.parent / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to ptleads"]
    assert not at.dataframe and not at.metric
