"""summarise walks the timeline with one branch per touch kind; the facts must be those of the plain
walk it replaced (every rule checked on every touch), kept here as the reference, on any timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.actions.sequences import ComplianceConfig, load_compliance, load_sequences
from orchestration.actions.timeline import (
    BOOKED_WEB_EVENTS,
    CLOSED_OUTCOMES,
    EMAIL_SENT_EVENTS,
    OUTCOME_SAME_CALL,
    Appointment,
    LeadInput,
    TimelineFacts,
    Touch,
    _word_sets,
    summarise,
)
from orchestration.settings import REPO_ROOT

T0 = datetime(2026, 6, 1, 8)
RULES = load_compliance(REPO_ROOT / "config")
UNANSWERED = frozenset(
    u.lower() for u in load_sequences(REPO_ROOT / "config").triggers.no_answer_switch.unanswered
)
KINDS = ["call", "voicemail", "sms", "email", "web", "outcome", "eligibility", "appointment"]
DIRECTIONS = ["inbound", "outbound", None]
RESULTS = [
    *sorted(UNANSWERED),
    *sorted(EMAIL_SENT_EVENTS),
    *sorted(BOOKED_WEB_EVENTS),
    *sorted(CLOSED_OUTCOMES),
    "connected",
    "received",
    "delivered",
    "open",
    "bounce",
    "unsubscribe",
    "spamreport",
    "scheduling_view",
    "page_view",
    "opted_out",
    "wrong_number",
    "scheduled",
    "reached",
    "active",
    None,
]
KEYWORDS = [None, "stop", "start", "help", "STOP", "Unstop", "cancel", "yes", "quit"]


def _channel_of(touch: Touch) -> str | None:
    kind = touch.kind
    if kind == "outcome" or (kind == "call" and touch.direction == "outbound"):
        return "call"
    if kind == "sms" and touch.direction == "outbound":
        return "sms"
    if kind == "email" and touch.result in EMAIL_SENT_EVENTS:
        return "email"
    return None


def reference_summarise(
    lead: LeadInput, as_of: datetime, rules: ComplianceConfig, unanswered: frozenset[str]
) -> TimelineFacts:
    """summarise as it was before the per-kind branches (timeline.py at 01275f5)."""
    facts = TimelineFacts()
    stop_words, start_words, suppress = _word_sets(rules)
    for touch in sorted(lead.touches, key=lambda t: t.at):
        if touch.at > as_of:
            break
        kind, result = touch.kind, touch.result
        if kind == "sms" and touch.direction == "inbound":
            word = (touch.opt_keyword or "").lower()
            if word in stop_words:
                facts.sms_opted_out = True
            elif word in start_words:
                facts.sms_opted_out = False
        if kind == "email" and result in suppress:
            facts.email_suppressed = True
        if kind == "outcome":
            if result == "opted_out":
                facts.all_opted_out = True
            elif result == "wrong_number":
                facts.phone_bad = True
            elif result in CLOSED_OUTCOMES:
                facts.declined = True
            elif result == "scheduled":
                facts.booked_online = True
        if kind == "web" and result in BOOKED_WEB_EVENTS:
            facts.booked_online = True
        if kind == "web" and result == "scheduling_view":
            facts.scheduling_views_since_outbound += 1
        if kind == "email" and result == "open":
            facts.email_opens_since_call += 1
        channel = _channel_of(touch)
        if channel is not None:
            unanswered_now = result in unanswered
            same_call = (
                kind == "outcome"
                and facts.last_call_at is not None
                and touch.at - facts.last_call_at <= OUTCOME_SAME_CALL
            )
            if same_call:
                if not unanswered_now:
                    facts.unanswered_call_streak = 0
                continue
            facts.outbound[channel].append(touch.at)
            facts.last_outbound_at = touch.at
            facts.scheduling_views_since_outbound = 0
            if channel != "call":
                facts.unanswered_call_streak = 0
            else:
                facts.last_call_at = touch.at
                facts.email_opens_since_call = 0
                facts.unanswered_call_streak = facts.unanswered_call_streak + 1 if unanswered_now else 0
        elif touch.direction == "inbound" and kind in ("call", "sms", "voicemail"):
            facts.last_inbound_at = touch.at
    for appt in lead.appointments:
        is_no_show = appt.appointment_type == "eval" and appt.status == "noshow" and appt.start_at <= as_of
        if is_no_show and (facts.no_show_at is None or appt.start_at > facts.no_show_at):
            facts.no_show_at = appt.start_at
    if facts.no_show_at is not None and any(
        a.status == "booked" and a.start_at > facts.no_show_at for a in lead.appointments
    ):
        facts.no_show_at = None
    return facts


# minutes on a small grid: ties, outcomes within OUTCOME_SAME_CALL of a call, and touches after as-of
touch = st.builds(
    Touch,
    st.integers(0, 600).map(lambda m: T0 + timedelta(minutes=m * 15)),
    st.sampled_from(KINDS),
    st.sampled_from(DIRECTIONS),
    st.sampled_from(RESULTS),
    st.sampled_from(KEYWORDS),
)
appointment = st.builds(
    Appointment,
    st.integers(0, 600).map(lambda m: T0 + timedelta(minutes=m * 15)),
    st.sampled_from(["booked", "noshow", "fulfilled", "cancelled"]),
    st.sampled_from(["eval", "visit"]),
)


@settings(max_examples=400, deadline=None)
@given(
    touches=st.lists(touch, max_size=40),
    appointments=st.lists(appointment, max_size=3),
    as_of_minutes=st.integers(0, 600),
)
def test_summarise_gives_the_plain_walks_facts(
    touches: list[Touch], appointments: list[Appointment], as_of_minutes: int
) -> None:
    lead = LeadInput("L1", "C1", "contacted", "standard", T0, "America/Chicago")
    lead.touches = tuple(touches)
    lead.appointments = tuple(appointments)
    as_of = T0 + timedelta(minutes=as_of_minutes * 15)
    assert summarise(lead, as_of, RULES, UNANSWERED) == reference_summarise(lead, as_of, RULES, UNANSWERED)
