"""Training reads a rolling window of the newest settled leads, so its memory stops growing with history."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from ml.features import LABEL, recent_window, settled

AS_OF = datetime(2026, 6, 30, 12)


def _frame(days_ago: list[int], labels: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "lead_id": [f"L{i:02d}" for i in range(len(days_ago))],
            "received_at": [AS_OF - timedelta(days=d) for d in days_ago],
            "as_of": [AS_OF] * len(days_ago),
            LABEL: labels,
        }
    ).sort("received_at")


def test_keeps_the_newest_settled_leads_and_everything_after_them() -> None:
    # ten settled leads (60..15 days old), two too young to be settled, one young positive
    days = [60, 55, 50, 45, 40, 35, 30, 25, 20, 15, 5, 3, 2]
    frame = _frame(days, [0, 1, 0, 1, 0, 0, 1, 0, 1, 0, None, None, 1])
    window = recent_window(frame, max_leads=4)
    assert settled(window).get_column("lead_id").to_list() == ["L06", "L07", "L08", "L09"]
    assert window.get_column("lead_id").to_list()[-3:] == ["L10", "L11", "L12"]
    assert window.height == 7


def test_no_cap_or_a_small_history_keeps_every_lead() -> None:
    frame = _frame([60, 40, 20, 2], [0, 1, 0, None])
    assert recent_window(frame, max_leads=0).equals(frame)
    assert recent_window(frame, max_leads=3).equals(frame)
