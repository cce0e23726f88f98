"""Typed engine inputs (a lead and its touch timeline) and the facts the rules read from the timeline.

Everything is naive UTC. The engine never sees the warehouse: `warehouse_reads` builds these records,
tests and benchmarks build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import NamedTuple

from orchestration.actions.sequences import ComplianceConfig

OPEN_STATUSES = frozenset({"new", "contacted", "verified"})
CLOSED_OUTCOMES = frozenset({"declined"})
BOOKED_WEB_EVENTS = frozenset({"booking_completed"})
# SendGrid emits `processed` once per message (delivered/open follow it): that is the send.
EMAIL_SENT_EVENTS = frozenset({"processed", "sent"})


class Touch(NamedTuple):
    """One event on the lead's timeline, normalised to lower case. A NamedTuple: the read builds one per
    touch of every open lead (~0.8M at 1M leads), and a frozen dataclass took twice as long to make."""

    at: datetime
    kind: str  # call | voicemail | sms | email | web | outcome | eligibility
    direction: str | None = None  # inbound | outbound | None
    result: str | None = None  # call result, message status, email event, web event or staff outcome
    opt_keyword: str | None = None  # inbound SMS whole-body keyword (stop/start/help or the raw word)


class TimeOrdered(tuple):
    """A lead's touches already in time order (ties in the order read), as the warehouse read builds them:
    `summarise` walks them as they are. sorted() by time gave the same order, at ~1.5 us per lead for the
    key list and the copy (~96k open leads a day at 1M); a plain tuple is still sorted first."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The latest 271 answer for the lead (plain numbers, USD)."""

    active: bool | None
    copay: float | None = None
    coinsurance: float | None = None  # share, 0.2 = 20 %
    deductible_remaining: float | None = None
    visit_limit: int | None = None
    visits_used: int | None = None
    auth_required: bool | None = None
    in_network: bool | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Appointment:
    start_at: datetime
    status: str  # booked | arrived | fulfilled | cancelled | noshow
    appointment_type: str = "eval"
    therapist_id: str | None = None
    duration_min: int = 60


@dataclass(slots=True)
class LeadInput:
    """Everything the engine needs about one lead (PHI limited to first name for scripts)."""

    lead_id: str
    clinic_id: str
    status: str
    priority_tier: str  # high | standard | low
    received_at: datetime
    timezone: str  # lead's ZIP time zone, else the clinic's
    expected_value: float = 0.0
    score: float | None = None
    has_phone: bool = True
    has_email: bool = True
    sms_consent: bool | None = None
    email_consent: bool | None = None
    call_consent: bool | None = None
    diagnosis_group: str | None = None
    payer: str | None = None
    payer_tier: str | None = None
    post_op: bool = False
    first_name: str | None = None
    distance_km: float | None = None
    eligibility: Eligibility | None = None
    inquiry_sent_at: datetime | None = None  # latest 270 asked about this lead
    touches: tuple[Touch, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    first_contact_at: datetime | None = None


@dataclass(slots=True)
class TimelineFacts:
    """What the rules need, derived once per lead from touches up to as-of."""

    sms_opted_out: bool = False
    email_suppressed: bool = False
    all_opted_out: bool = False
    phone_bad: bool = False
    declined: bool = False
    booked_online: bool = False
    outbound: dict[str, list[datetime]] = field(default_factory=lambda: {"call": [], "sms": [], "email": []})
    last_outbound_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_call_at: datetime | None = None
    email_opens_since_call: int = 0
    scheduling_views_since_outbound: int = 0
    unanswered_call_streak: int = 0
    no_show_at: datetime | None = None


# A staff outcome logged this soon after a dialled call describes that call, not a new attempt.
OUTCOME_SAME_CALL = timedelta(hours=1)


_AT = attrgetter("at")
_WORDS: dict[int, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}


def _word_sets(rules: ComplianceConfig) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Keyword sets built once per config object (the engine calls summarise per lead)."""
    sets = _WORDS.get(id(rules))
    if sets is None:
        # "stop"/"start" are also what the Twilio parser normalises every synonym to.
        sets = (
            frozenset({k.lower() for k in rules.stop_keywords} | {"stop"}),
            frozenset({k.lower() for k in rules.start_keywords} | {"start"}),
            frozenset(e.lower() for e in rules.email_suppress_events),
        )
        _WORDS[id(rules)] = sets
    return sets


def summarise(
    lead: LeadInput, as_of: datetime, rules: ComplianceConfig, unanswered: frozenset[str]
) -> TimelineFacts:
    """Walk the timeline once, in time order, up to `as_of`."""
    facts = TimelineFacts()
    stop_words, start_words, suppress = _word_sets(rules)
    touches = lead.touches
    for at, kind, direction, result, keyword in (
        touches if type(touches) is TimeOrdered else sorted(touches, key=_AT)
    ):
        if at > as_of:
            break
        # One branch per kind (they exclude each other): what the rules read of it, then on to the next
        # touch unless it is an outbound contact: a staff outcome, an outbound call or SMS, a sent email.
        if kind == "web":
            if result in BOOKED_WEB_EVENTS:
                facts.booked_online = True
            if result == "scheduling_view":
                facts.scheduling_views_since_outbound += 1
            continue
        if kind == "email":
            if result in suppress:
                facts.email_suppressed = True
            if result == "open":
                facts.email_opens_since_call += 1
            if result not in EMAIL_SENT_EVENTS:
                continue
            channel = "email"
        elif kind == "outcome":  # a staff outcome is a call attempt
            if result == "opted_out":
                facts.all_opted_out = True
            elif result == "wrong_number":
                facts.phone_bad = True
            elif result in CLOSED_OUTCOMES:
                facts.declined = True
            elif result == "scheduled":
                facts.booked_online = True
            channel = "call"
        elif direction == "outbound" and (kind == "call" or kind == "sms"):
            channel = kind
        else:
            if direction == "inbound":
                if kind == "sms":
                    word = (keyword or "").lower()
                    if word in stop_words:
                        facts.sms_opted_out = True
                    elif word in start_words:
                        facts.sms_opted_out = False
                if kind in ("call", "sms", "voicemail"):
                    facts.last_inbound_at = at
            continue
        unanswered_now = result in unanswered
        if (
            kind == "outcome"
            and facts.last_call_at is not None
            and at - facts.last_call_at <= OUTCOME_SAME_CALL
        ):
            if not unanswered_now:  # the dialled call turned out answered
                facts.unanswered_call_streak = 0
            continue
        facts.outbound[channel].append(at)
        facts.last_outbound_at = at
        facts.scheduling_views_since_outbound = 0
        if channel != "call":  # a message on another channel ends a run of unanswered calls
            facts.unanswered_call_streak = 0
        else:
            facts.last_call_at = at
            facts.email_opens_since_call = 0
            facts.unanswered_call_streak = facts.unanswered_call_streak + 1 if unanswered_now else 0
    for appt in lead.appointments:
        is_no_show = appt.appointment_type == "eval" and appt.status == "noshow" and appt.start_at <= as_of
        if is_no_show and (facts.no_show_at is None or appt.start_at > facts.no_show_at):
            facts.no_show_at = appt.start_at
    if facts.no_show_at is not None and any(
        a.status == "booked" and a.start_at > facts.no_show_at for a in lead.appointments
    ):
        facts.no_show_at = None  # rebooked: recovery is done
    return facts
