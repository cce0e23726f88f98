"""Call-list page under AppTest: the ordered list, the clinic filter, and the no-snapshot message."""

from __future__ import annotations

from pathlib import Path

import duckdb
from app_snapshot_fixture import PAGES
from conftest import USERS, open_page
from streamlit.testing.v1 import AppTest

from app.lib.snapshot import NO_SNAPSHOT_MESSAGE


def _page() -> AppTest:
    return open_page("call_list.py", "manager")


def _rows(snapshot: Path, clinic: str | None = None) -> int:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        if clinic is None:
            return con.execute("select count(*) from marts.call_list").fetchone()[0]
        return con.execute("select count(*) from marts.call_list where clinic_id = ?", [clinic]).fetchone()[0]
    finally:
        con.close()


def test_lists_every_open_lead_in_rank_order_with_reasons(published: Path) -> None:
    at = _page().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == _rows(published) > 0
    assert list(table["rank"]) == sorted(table["rank"])
    assert {"reason", "script", "action", "due_at"} <= set(table.columns)
    assert table["reason"].str.contains("Post-surgical referral").all()


def test_clinic_filter_keeps_only_that_clinic(published: Path) -> None:
    at = _page().run()
    at.selectbox(key="call_clinic").set_value("RR").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["clinic_id"]) == {"RR"}
    assert len(table) == _rows(published, "RR") < _rows(published)
    assert list(table["rank"]) == sorted(table["rank"])
    assert any("at Round Rock" in m.value for m in at.markdown)


def test_without_a_snapshot_the_page_says_what_to_do(unpublished: Path) -> None:
    at = _page().run()
    assert not at.exception
    assert [i.value for i in at.info] == [NO_SNAPSHOT_MESSAGE]
    assert len(at.dataframe) == 0


def test_router_opens_the_funnel_by_default_for_a_manager(published: Path) -> None:
    at = AppTest.from_file(str(PAGES.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["user"] = USERS["manager"]
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Lead funnel"]
