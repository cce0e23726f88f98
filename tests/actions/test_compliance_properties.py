"""Property tests: over thousands of random timelines no emitted action breaks consent, opt-out
(STOP/UNSUBSCRIBE synonyms, START re-subscribes), email unsubscribe/bounce, quiet hours or caps.

The checker below re-derives every rule from the raw touches on its own (it shares no code with the
engine's timeline summary), so an engine bug is not mirrored by the test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.actions.engine import EngineContext, NextAction, next_actions
from orchestration.actions.timeline import LeadInput, Touch
from tests.actions.conftest import make_lead

ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "America/Phoenix", "Pacific/Honolulu"]
STOP_WORDS = [
    "stop",
    "STOP",
    "Stop all",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "optout",
    "revoke",
    "stopall",
]
START_WORDS = ["start", "START", "unstop", "yes"]
T0 = datetime(2025, 3, 1, 0, 0)

BENIGN = [
    ("call", "outbound", "no answer", None),
    ("call", "outbound", "call connected", None),
    ("sms", "outbound", "delivered", None),
    ("email", None, "processed", None),
    ("email", None, "open", None),
    ("web", None, "scheduling_view", None),
    ("outcome", None, "no_answer", None),
]
# Benign touches repeated so that most timelines stay contactable and exercise caps and hours.
touch_kinds = st.sampled_from(
    BENIGN * 6
    + [
        ("call", "outbound", "no answer", None),
        ("call", "outbound", "call connected", None),
        ("call", "outbound", "voicemail", None),
        ("call", "inbound", "call connected", None),
        ("sms", "outbound", "delivered", None),
        ("email", None, "processed", None),
        ("email", None, "delivered", None),
        ("email", None, "open", None),
        ("email", None, "click", None),
        ("email", None, "bounce", None),
        ("email", None, "unsubscribe", None),
        ("email", None, "group_unsubscribe", None),
        ("email", None, "spamreport", None),
        ("web", None, "scheduling_view", None),
        ("web", None, "page_view", None),
        ("outcome", None, "no_answer", None),
        ("outcome", None, "reached", None),
        ("outcome", None, "voicemail", None),
        ("outcome", None, "wrong_number", None),
        ("outcome", None, "opted_out", None),
        ("sms", "inbound", "received", "stop"),
        ("sms", "inbound", "received", "start"),
        ("sms", "inbound", "received", "help"),
    ]
)


@st.composite
def touches(draw: st.DrawFn) -> Touch:
    kind, direction, result, keyword = draw(touch_kinds)
    if keyword == "stop":
        keyword = draw(st.sampled_from(STOP_WORDS)).lower()
    elif keyword == "start":
        keyword = draw(st.sampled_from(START_WORDS)).lower()
    at = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    return Touch(at, kind, direction, result, keyword)


@st.composite
def leads(draw: st.DrawFn, index: int = 0) -> tuple[LeadInput, datetime]:
    received = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
    lead = make_lead(
        lead_id=f"L{draw(st.integers(0, 10**9))}",
        status=draw(st.sampled_from(["new", "contacted", "verified"])),
        priority_tier=draw(st.sampled_from(["high", "standard", "low"])),
        received_at=received,
        timezone=draw(st.sampled_from(ZONES)),
        has_phone=draw(st.sampled_from([True, True, True, False])),
        has_email=draw(st.sampled_from([True, True, True, False])),
        sms_consent=draw(st.sampled_from([True, False, None])),
        email_consent=draw(st.sampled_from([True, False, None])),
        diagnosis_group=draw(st.sampled_from(["orthopedic", "neuro", "spine", None])),
        payer_tier=draw(st.sampled_from(["high", "standard", "unknown", None])),
        touches=tuple(draw(st.lists(touches(), max_size=25))),
    )
    as_of = received + timedelta(minutes=draw(st.integers(0, 60 * 24 * 14)))
    return lead, as_of


# ---- the independent checker -------------------------------------------------------------------------


def _attempts(past: list[Touch]) -> dict[str, list[datetime]]:
    """Outbound contacts by channel; a staff outcome within an hour after a dialled call is that call."""
    out: dict[str, list[datetime]] = {"call": [], "sms": [], "email": []}
    last_dial: datetime | None = None
    for t in past:
        if t.kind == "call" and t.direction == "outbound":
            out["call"].append(t.at)
            last_dial = t.at
        elif t.kind == "outcome":
            if last_dial is None or t.at - last_dial > timedelta(hours=1):
                out["call"].append(t.at)
                last_dial = t.at
        elif t.kind == "sms" and t.direction == "outbound":
            out["sms"].append(t.at)
        elif t.kind == "email" and t.result == "processed":
            out["email"].append(t.at)
    return out


def violations(action: NextAction, lead: LeadInput, as_of: datetime, ctx: EngineContext) -> list[str]:
    rules = ctx.compliance
    past = sorted((t for t in lead.touches if t.at <= as_of), key=lambda t: t.at)
    found: list[str] = []
    local = action.due_at.replace(tzinfo=UTC).astimezone(ZoneInfo(lead.timezone)).time()
    if not (rules.quiet_hours.start <= local < rules.quiet_hours.end):
        found.append("quiet hours")
    if action.due_at < as_of:
        found.append("due before as-of")
    channel = action.channel
    if channel == "none":
        return found
    if any(t.kind == "outcome" and t.result == "opted_out" for t in past):
        found.append("contact after opt-out")
    if channel in ("call", "sms") and (
        not lead.has_phone or any(t.kind == "outcome" and t.result == "wrong_number" for t in past)
    ):
        found.append("phone channel without a usable phone")
    if channel == "sms":
        if lead.sms_consent is not True:
            found.append("sms without consent")
        state = None
        for t in past:
            if t.kind == "sms" and t.direction == "inbound" and t.opt_keyword:
                word = t.opt_keyword.lower()
                if word in STOP_WORDS or word in {w.lower() for w in STOP_WORDS}:
                    state = "stop"
                elif word in {w.lower() for w in START_WORDS}:
                    state = "start"
        if state == "stop":
            found.append("sms after STOP")
    if channel == "email":
        if not lead.has_email or lead.email_consent is False:
            found.append("email without address/consent")
        dead = {"bounce", "dropped", "unsubscribe", "group_unsubscribe", "spamreport"}
        if any(t.kind == "email" and t.result in dead for t in past):
            found.append("email after unsubscribe/bounce")
    attempts = _attempts(past)
    every = sorted(t for ts in attempts.values() for t in ts)
    if every and action.due_at - every[-1] < rules.min_gap:
        found.append("two contacts at once")
    for scope, sent in ((channel, attempts[channel]), ("overall", every)):
        for cap in rules.caps.get(scope, []):  # type: ignore[call-overload]
            in_window = sum(1 for t in sent if action.due_at - cap.window < t <= action.due_at)
            if in_window + 1 > cap.max:
                found.append(f"{scope} cap {cap.max}/{cap.window}")
    return found


def _check_batch(ctx: EngineContext, batch: list[tuple[LeadInput, datetime]]) -> None:
    for lead, as_of in batch:
        actions = next_actions([lead], as_of, ctx)
        assert len(actions) == 1, "every open lead gets exactly one next action"
        problems = violations(actions[0], lead, as_of, ctx)
        assert not problems, (lead.lead_id, actions[0].rule, actions[0].channel, problems)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(leads(), min_size=20, max_size=40))
def test_no_action_breaks_contact_rules(ctx: EngineContext, batch: list[tuple[LeadInput, datetime]]) -> None:
    """About 750 random timelines in a quick run."""
    _check_batch(ctx, batch)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(leads(), min_size=20, max_size=40))
def test_no_action_breaks_contact_rules_thousands(
    ctx: EngineContext, batch: list[tuple[LeadInput, datetime]]
) -> None:
    """About 6,000 random timelines."""
    _check_batch(ctx, batch)


def test_checker_catches_a_broken_action(ctx: EngineContext) -> None:
    """The checker itself must fail a violating action (else the property above proves nothing)."""
    lead = make_lead(
        touches=(Touch(datetime(2025, 3, 10, 16, 0), "sms", "inbound", "received", "unsubscribe"),)
    )
    as_of = datetime(2025, 3, 10, 17, 0)
    good = next_actions([lead], as_of, ctx)[0]
    assert good.channel != "sms"
    from dataclasses import replace

    bad = replace(good, channel="sms", due_at=datetime(2025, 3, 11, 4, 0))  # 23:00 in Chicago
    problems = violations(bad, lead, as_of, ctx)
    assert "sms after STOP" in problems and "quiet hours" in problems
