"""One test per trigger rule: it fires exactly when its condition holds, and not one step short of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from orchestration.actions.engine import EngineContext, next_action
from orchestration.actions.timeline import Appointment, Touch, summarise
from orchestration.actions.triggers import (
    email_opens_call,
    escalate_overdue_high,
    no_answer_switch,
    scheduling_views_incentive,
)
from tests.actions.conftest import make_lead

R = datetime(2025, 3, 10, 15, 0)  # received, 10:00 in Chicago


def _facts(ctx: EngineContext, lead, as_of):
    return summarise(lead, as_of, ctx.compliance, ctx.unanswered)


def _at(minutes: int) -> datetime:
    return R + timedelta(minutes=minutes)


# ---- escalate overdue high priority ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "minutes", "contacted", "fires"),
    [
        ("high", 31, False, True),
        ("high", 30, False, False),  # exactly at the SLA is not overdue yet
        ("high", 120, True, False),
        ("standard", 120, False, False),
    ],
)
def test_escalate_overdue_high(
    ctx: EngineContext, tier: str, minutes: int, contacted: bool, fires: bool
) -> None:
    touches = (Touch(_at(5), "call", "outbound", "call connected"),) if contacted else ()
    lead = make_lead(priority_tier=tier, touches=touches)
    as_of = _at(minutes)
    hit = escalate_overdue_high(lead, _facts(ctx, lead, as_of), as_of, ctx.sequences)
    assert (hit is not None) is fires
    action = next_action(lead, as_of, ctx)
    assert (action.rule == "trigger:escalate_overdue_high") is fires
    if fires:
        assert action.owner_role == "clinic_manager" and action.channel == "call"


# ---- >= 2 email opens without booking -> call -------------------------------------------------------------


def _opens(n: int) -> tuple[Touch, ...]:
    sent = Touch(_at(10), "email", None, "processed")
    return (sent, *(Touch(_at(60 + i), "email", None, "open") for i in range(n)))


@pytest.mark.parametrize(
    ("opens", "booked", "fires"), [(2, False, True), (3, False, True), (1, False, False), (2, True, False)]
)
def test_email_opens_call(ctx: EngineContext, opens: int, booked: bool, fires: bool) -> None:
    appts = (Appointment(_at(60 * 48), "booked"),) if booked else ()
    lead = make_lead(touches=_opens(opens), appointments=appts)
    as_of = _at(120)
    assert (email_opens_call(lead, _facts(ctx, lead, as_of), as_of, ctx.sequences) is not None) is fires
    if not booked:
        action = next_action(lead, as_of, ctx)
        assert (action.rule == "trigger:email_opens_call") is fires
        if fires:
            assert action.channel == "call"


def test_email_opens_reset_after_a_call(ctx: EngineContext) -> None:
    lead = make_lead(touches=(*_opens(2), Touch(_at(90), "call", "outbound", "call connected")))
    as_of = _at(120)
    assert email_opens_call(lead, _facts(ctx, lead, as_of), as_of, ctx.sequences) is None


# ---- >= 2 scheduling-page views without booking -> incentive -------------------------------------------


@pytest.mark.parametrize(
    ("views", "booking_event", "fires"), [(2, False, True), (1, False, False), (2, True, False)]
)
def test_scheduling_views_incentive(ctx: EngineContext, views: int, booking_event: bool, fires: bool) -> None:
    touches = [Touch(_at(10), "email", None, "processed")]
    touches += [Touch(_at(30 + i), "web", None, "scheduling_view") for i in range(views)]
    if booking_event:
        touches.append(Touch(_at(40), "web", None, "booking_completed"))
    lead = make_lead(touches=tuple(touches))
    as_of = _at(120)
    assert (
        scheduling_views_incentive(lead, _facts(ctx, lead, as_of), as_of, ctx.sequences) is not None
    ) is fires
    action = next_action(lead, as_of, ctx)
    if fires:
        assert action.rule == "trigger:scheduling_views_incentive" and action.action == "offer_extended_hours"
    elif booking_event:
        assert action.action == "confirm_booking" and action.channel == "none"


# ---- no answer twice -> switch channel --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("results", "fires"),
    [
        (["no answer", "no answer"], True),
        (["no answer", "voicemail"], True),
        (["no answer"], False),
        (["no answer", "call connected"], False),
        (["call connected", "no answer"], False),
    ],
)
def test_no_answer_switch(ctx: EngineContext, results: list[str], fires: bool) -> None:
    touches = tuple(Touch(_at(60 * (i + 1)), "call", "outbound", r) for i, r in enumerate(results))
    lead = make_lead(touches=touches)
    as_of = _at(60 * 6)
    assert (no_answer_switch(lead, _facts(ctx, lead, as_of), as_of, ctx.sequences) is not None) is fires
    action = next_action(lead, as_of, ctx)
    assert (action.rule == "trigger:no_answer_switch") is fires
    if fires:
        assert action.channel in ("sms", "email")


def test_no_answer_switch_respects_consent(ctx: EngineContext) -> None:
    touches = tuple(Touch(_at(60 * (i + 1)), "call", "outbound", "no answer") for i in range(2))
    lead = make_lead(touches=touches, sms_consent=False)
    action = next_action(lead, _at(60 * 6), ctx)
    assert action.rule == "trigger:no_answer_switch" and action.channel == "email"


def test_message_after_unanswered_calls_ends_the_streak(ctx: EngineContext) -> None:
    touches = (
        Touch(_at(60), "call", "outbound", "no answer"),
        Touch(_at(120), "call", "outbound", "no answer"),
        Touch(_at(180), "sms", "outbound", "delivered"),
    )
    lead = make_lead(touches=touches)
    as_of = _at(300)
    assert no_answer_switch(lead, _facts(ctx, lead, as_of), as_of, ctx.sequences) is None


# ---- stops and outcomes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "action"),
    [("opted_out", "close_review"), ("declined", "close_review"), ("scheduled", "confirm_booking")],
)
def test_staff_outcomes_stop_outreach(ctx: EngineContext, outcome: str, action: str) -> None:
    lead = make_lead(touches=(Touch(_at(30), "outcome", None, outcome),))
    result = next_action(lead, _at(60), ctx)
    assert result.action == action and result.channel == "none"


def test_scheduled_and_closed_leads_get_no_action(ctx: EngineContext) -> None:
    for status in ("scheduled", "evaluated", "closed_lost"):
        assert next_action(make_lead(status=status), _at(60), ctx) is None


def test_start_resubscribes_after_stop(ctx: EngineContext) -> None:
    stop = Touch(_at(10), "sms", "inbound", "received", "quit")
    start = Touch(_at(20), "sms", "inbound", "received", "unstop")
    assert _facts(ctx, make_lead(touches=(stop,)), _at(30)).sms_opted_out
    assert not _facts(ctx, make_lead(touches=(stop, start)), _at(30)).sms_opted_out
