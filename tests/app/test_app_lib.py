"""Pure pieces of the app: snapshot metadata, freshness, funnel arithmetic, CSV export."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from app.lib.exports import csv_bytes
from app.lib.funnel import STAGES, stage_totals, weekly_trend
from app.lib.snapshot import freshness, read_snapshot_info


def test_snapshot_info_reads_the_sidecar(tmp_path: Path) -> None:
    assert read_snapshot_info(tmp_path / "snapshot.duckdb") is None
    (tmp_path / "snapshot.duckdb").write_bytes(b"")
    (tmp_path / "snapshot.json").write_text(
        json.dumps(
            {
                "as_of": "2025-06-30T12:00:00Z",
                "published_at": "2025-06-30T13:00:00+00:00",
                "row_counts": {"marts.call_list": 7},
            }
        )
    )
    info = read_snapshot_info(tmp_path / "snapshot.duckdb")
    assert info is not None
    assert info.as_of == datetime(2025, 6, 30, 12, tzinfo=UTC)
    assert info.published_at == "2025-06-30T13:00:00+00:00"
    assert info.row_counts == {"marts.call_list": 7}


def test_freshness_words() -> None:
    now = datetime(2025, 6, 30, 12, tzinfo=UTC)
    assert freshness((now - timedelta(seconds=30)).isoformat(), now) == "published just now"
    assert freshness((now - timedelta(minutes=20)).isoformat(), now) == "published 20 min ago"
    assert freshness((now - timedelta(hours=5)).isoformat(), now) == "published 5 h ago"
    assert freshness((now - timedelta(days=3)).isoformat(), now) == "published 3 days ago"


daily_rows = st.lists(
    st.tuples(*[st.integers(0, 50) for _ in STAGES], st.integers(0, 60)), min_size=0, max_size=40
)


@given(daily_rows)
def test_stage_totals_sum_and_rates_are_consistent(rows: list[tuple[int, ...]]) -> None:
    columns = {s: [r[i] for r in rows] for i, s in enumerate(STAGES)}
    columns["day"] = [date(2025, 1, 1) + timedelta(days=r[-1]) for r in rows]
    frame = pl.DataFrame(columns, schema_overrides={s: pl.Int64 for s in STAGES} | {"day": pl.Date})
    totals = stage_totals(frame)
    assert totals["count"].to_list() == [sum(r[i] for r in rows) for i in range(len(STAGES))]
    counts, rates = totals["count"].to_list(), totals["rate_from_previous"].to_list()
    for prev, cur, rate in zip(counts[:-1], counts[1:], rates[1:], strict=True):
        assert rate is None if prev == 0 else abs(rate - cur / prev) < 1e-12
    weekly = weekly_trend(frame)
    assert weekly["count"].sum() == sum(sum(r[:-1]) for r in rows)


def test_csv_export_flattens_lists() -> None:
    frame = pl.DataFrame({"lead_id": ["L1"], "reasons": [["a", "b"]]})
    assert csv_bytes(frame).decode() == "lead_id,reasons\nL1,a; b\n"
