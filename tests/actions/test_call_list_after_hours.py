"""A run after the day's contact window builds tomorrow's call list: every call it could hold is due the
next morning, so "due by the end of today" would leave staff an empty list (the browser e2e test failed
this way when CI ran at 9 pm Chicago)."""

from __future__ import annotations

from datetime import datetime, time

from orchestration.actions.call_list import build_call_list, end_of_local_day
from orchestration.actions.engine import EngineContext, next_actions
from tests.actions.conftest import make_lead

CHICAGO = "America/Chicago"
EVENING = datetime(2025, 3, 12, 3, 17)  # Tuesday 21:17 Chicago (CDT), naive UTC
AFTERNOON = datetime(2025, 3, 11, 20, 0)  # Tuesday 15:00 Chicago
QUIET_FROM = time(21, 0)


def test_list_day_rolls_to_tomorrow_once_the_contact_window_closes() -> None:
    assert end_of_local_day(EVENING, CHICAGO) == datetime(2025, 3, 12, 5, 0)  # midnight starting Wednesday
    assert end_of_local_day(EVENING, CHICAGO, QUIET_FROM) == datetime(2025, 3, 13, 5, 0)
    assert end_of_local_day(AFTERNOON, CHICAGO, QUIET_FROM) == datetime(2025, 3, 12, 5, 0)


def test_list_day_across_a_dst_change_ends_at_local_midnight() -> None:
    # Saturday 2025-03-08 22:00 CST; the list is Sunday's, which ends at Monday 00:00 CDT = 05:00 UTC.
    assert end_of_local_day(datetime(2025, 3, 9, 4, 0), CHICAGO, QUIET_FROM) == datetime(2025, 3, 10, 5, 0)


def test_evening_run_lists_the_calls_due_next_morning(ctx: EngineContext) -> None:
    lead = make_lead(lead_id="A", received_at=EVENING.replace(hour=2), expected_value=900.0)
    actions = next_actions([lead], EVENING, ctx)
    assert actions and all(a.due_at > end_of_local_day(EVENING, CHICAGO) for a in actions), "due tomorrow"
    assert build_call_list(actions, EVENING, {lead.clinic_id: CHICAGO}) == []
    rows = build_call_list(actions, EVENING, {lead.clinic_id: CHICAGO}, QUIET_FROM)
    assert {r.lead_id for r in rows} == {"A"}
