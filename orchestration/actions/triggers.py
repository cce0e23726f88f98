"""Behavioural triggers read from the touch timeline. Each fires exactly when its condition holds:

- escalate_overdue_high: high priority, never contacted, first-contact SLA passed -> manager calls now.
- email_opens_call: >= N email opens since the last call, not booked -> call.
- no_answer_switch: the last N outbound touches were unanswered calls -> switch to SMS/email.
- scheduling_views_incentive: >= N scheduling-page views since the last outbound touch, not booked ->
  offer extended hours / an incentive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from orchestration.actions.sequences import SequencesConfig
from orchestration.actions.timeline import LeadInput, TimelineFacts


@dataclass(frozen=True, slots=True)
class TriggerHit:
    rule: str
    action: str
    channels: tuple[str, ...]  # in order of preference; the engine takes the first allowed
    template: str
    reason: str
    owner_role: str | None = None  # None: the channel's owner role


def _booked(lead: LeadInput, facts: TimelineFacts) -> bool:
    return facts.booked_online or any(a.status == "booked" for a in lead.appointments)


def escalate_overdue_high(
    lead: LeadInput, facts: TimelineFacts, as_of: datetime, cfg: SequencesConfig
) -> TriggerHit | None:
    if (
        lead.priority_tier != "high"
        or facts.last_outbound_at is not None
        or lead.first_contact_at is not None
    ):
        return None
    if as_of <= lead.received_at + cfg.sla["high"]:
        return None
    rule = cfg.triggers.escalate_overdue_high
    minutes = int(cfg.sla["high"].total_seconds() // 60)
    return TriggerHit(
        "escalate_overdue_high",
        "escalate",
        ("call", "sms", "email"),
        rule.template,
        f"high priority not contacted within {minutes} min",
        rule.owner_role,
    )


def email_opens_call(
    lead: LeadInput, facts: TimelineFacts, as_of: datetime, cfg: SequencesConfig
) -> TriggerHit | None:
    rule = cfg.triggers.email_opens_call
    if facts.email_opens_since_call < rule.min_opens or _booked(lead, facts):
        return None
    return TriggerHit(
        "email_opens_call",
        "call_after_email_opens",
        ("call",),
        rule.template,
        f"{facts.email_opens_since_call} email opens without booking",
        rule.owner_role,
    )


def no_answer_switch(
    lead: LeadInput, facts: TimelineFacts, as_of: datetime, cfg: SequencesConfig
) -> TriggerHit | None:
    rule = cfg.triggers.no_answer_switch
    if facts.unanswered_call_streak < rule.attempts:
        return None
    return TriggerHit(
        "no_answer_switch",
        "switch_channel",
        ("sms", "email"),
        rule.template,
        f"{facts.unanswered_call_streak} calls unanswered: switching channel",
    )


def scheduling_views_incentive(
    lead: LeadInput, facts: TimelineFacts, as_of: datetime, cfg: SequencesConfig
) -> TriggerHit | None:
    rule = cfg.triggers.scheduling_views_incentive
    if facts.scheduling_views_since_outbound < rule.min_views or _booked(lead, facts):
        return None
    return TriggerHit(
        "scheduling_views_incentive",
        "offer_extended_hours",
        ("sms", "email", "call"),
        rule.template,
        f"{facts.scheduling_views_since_outbound} scheduling-page views without booking",
    )


Trigger = Callable[[LeadInput, TimelineFacts, datetime, SequencesConfig], TriggerHit | None]

# Checked in this order; the first that fires decides the action.
TRIGGERS: tuple[Trigger, ...] = (
    escalate_overdue_high,
    email_opens_call,
    no_answer_switch,
    scheduling_views_incentive,
)
