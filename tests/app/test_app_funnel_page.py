"""Funnel page under AppTest: renders from the fixture snapshot, filters move the numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
from app_snapshot_fixture import build_snapshot
from conftest import open_page
from streamlit.testing.v1 import AppTest

from app.lib.snapshot import NO_SNAPSHOT_MESSAGE


def _page() -> AppTest:
    return open_page("funnel.py", "manager")


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(str(m.value).replace(",", "")) for m in at.metric}


def _count(snapshot: Path, where: str = "true", params: list[object] | None = None) -> dict[str, int]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        row = con.execute(
            f"""select sum(received), sum(contacted), sum(verified), sum(scheduled), sum(evaluated)
                from marts.rpt_funnel_daily where {where}""",
            params or [],
        ).fetchone()
    finally:
        con.close()
    return dict(
        zip(["Received", "Contacted", "Verified", "Scheduled", "Evaluated"], map(int, row), strict=True)
    )


def test_renders_stage_counts_from_the_snapshot(published: Path) -> None:
    at = _page().run()
    assert not at.exception
    assert _metrics(at) == _count(published)
    assert any("Data as of 2025-06-30 12:00 UTC" in c.value for c in at.caption)
    assert any("Received to evaluated" in m.value for m in at.markdown)


def test_clinic_filter_changes_the_numbers(published: Path) -> None:
    at = _page().run()
    everything = _metrics(at)
    at.multiselect[0].set_value(["ATX-S"]).run()
    assert not at.exception
    one_clinic = _metrics(at)
    assert one_clinic == _count(published, "clinic_id = ?", ["ATX-S"])
    assert one_clinic["Received"] < everything["Received"]


def test_date_range_changes_the_numbers(published: Path) -> None:
    at = _page().run()
    everything = _metrics(at)
    start, end = date(2025, 4, 1), date(2025, 4, 30)
    at.date_input[0].set_value((start, end)).run()
    assert not at.exception
    april = _metrics(at)
    assert april == _count(published, "day::date between ? and ?", [start, end])
    assert 0 < april["Received"] < everything["Received"]


def test_a_new_publish_invalidates_the_cache(published: Path) -> None:
    first = _metrics(_page().run())
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    build_snapshot(published.parent.parent, n_leads=150, seed=9, published_at=later)
    second = _metrics(_page().run())
    assert second == _count(published)
    assert second["Received"] == 150 != first["Received"]


def test_without_a_snapshot_the_page_says_what_to_do(unpublished: Path) -> None:
    at = _page().run()
    assert not at.exception
    assert [i.value for i in at.info] == [NO_SNAPSHOT_MESSAGE]
    assert len(at.metric) == 0
