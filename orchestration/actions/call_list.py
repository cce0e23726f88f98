"""Daily call lists per clinic and owner role, ordered by urgency x expected value, and SLA metrics.

Urgency grows with how late the action is against its SLA due time (an overdue high-priority lead
outranks a fresh one of the same value); expected value scales it so money at risk comes first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from orchestration.actions.compliance import zone
from orchestration.actions.engine import NextAction
from orchestration.actions.sequences import SLA_FALLBACK_TIER

MIN_VALUE = 50.0  # a lead without an estimate still counts (USD)


# Not frozen, as NextAction: one row per listed action (~91k at 1M leads), never changed once built.
@dataclass(slots=True)
class CallListRow:
    """One row of marts.call_list: the CONTRACTS.md columns first, in order, then the engine's extras."""

    lead_id: str
    clinic_id: str
    action: str
    channel: str  # call | sms | email | none (a staff task)
    due_at: datetime
    owner_role: str
    reason: str
    script: str
    priority_tier: str
    score: float | None  # model conversion probability
    expected_value: float
    rank: int  # position in the clinic + owner role list (1 = first)
    sla_due_at: datetime
    urgency: float
    priority_score: float  # urgency x expected value: what the rank orders by


def urgency(action: NextAction, as_of: datetime) -> float:
    """1 when due later today, rising by 1 per hour overdue against the SLA (capped at 48)."""
    late_hours = (as_of - action.sla_due_at).total_seconds() / 3600
    return 1.0 + min(max(late_hours, 0.0), 48.0)


def end_of_local_day(as_of: datetime, timezone: str, contact_day_ends: time | None = None) -> datetime:
    """End (naive UTC) of the clinic's local day the list is for: today, or tomorrow once today's contact
    window is over (a run at 9 pm builds the list staff work from the next morning; every call it could
    hold is due then, so "today" would be empty)."""
    local = as_of.replace(tzinfo=UTC).astimezone(zone(timezone))
    day = local.date() + timedelta(days=1)
    if contact_day_ends is not None and local.time() >= contact_day_ends:
        day += timedelta(days=1)
    midnight = datetime.combine(day, time(0), tzinfo=zone(timezone))
    return midnight.astimezone(UTC).replace(tzinfo=None)


def build_call_list(
    actions: Iterable[NextAction],
    as_of: datetime,
    clinic_timezones: dict[str, str],
    contact_day_ends: time | None = None,
) -> list[CallListRow]:
    """Staff actions due by the end of the clinic's local day (the next day after `contact_day_ends`,
    the end of the quiet-hours window), ranked per clinic and owner role."""
    groups: dict[tuple[str, str], list[tuple[float, float, NextAction]]] = {}
    day_end: dict[str, datetime] = {}
    for action in actions:
        tz = clinic_timezones.get(action.clinic_id, "UTC")
        if action.clinic_id not in day_end:
            day_end[action.clinic_id] = end_of_local_day(as_of, tz, contact_day_ends)
        if action.due_at >= day_end[action.clinic_id]:
            continue
        u = urgency(action, as_of)
        score = u * max(action.expected_value, MIN_VALUE)
        groups.setdefault((action.clinic_id, action.owner_role), []).append((score, u, action))
    rows: list[CallListRow] = []
    for (clinic_id, owner), items in sorted(groups.items()):
        items.sort(key=lambda item: (-item[0], item[2].due_at, item[2].lead_id))
        for rank, (score, u, a) in enumerate(items, start=1):
            rows.append(
                CallListRow(
                    a.lead_id,
                    clinic_id,
                    a.action,
                    a.channel,
                    a.due_at,
                    owner,
                    a.reason,
                    a.script,
                    a.priority_tier,
                    a.score,
                    a.expected_value,
                    rank,
                    a.sla_due_at,
                    round(u, 3),
                    round(score, 2),
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class SlaLead:
    lead_id: str
    priority_tier: str
    received_at: datetime
    first_contact_at: datetime | None
    clinic_id: str | None = None


@dataclass(frozen=True, slots=True)
class SlaMetric:
    priority_tier: str
    target: timedelta
    leads: int
    within: int
    share: float | None  # None when no lead of the tier is due yet


def sla_metrics(leads: Iterable[SlaLead], as_of: datetime, targets: dict[str, timedelta]) -> list[SlaMetric]:
    """Share of leads first contacted within the tier's target, among leads whose target has passed.

    A tier missing from `targets` is measured against the fallback tier's target (standard), not dropped.
    """
    targets = dict(targets)
    counts = {tier: [0, 0] for tier in targets}
    for lead in leads:
        tier = lead.priority_tier
        if tier not in targets:
            if SLA_FALLBACK_TIER not in targets:
                continue  # nothing to measure against
            targets[tier] = targets[SLA_FALLBACK_TIER]
            counts[tier] = [0, 0]
        target = targets[tier]
        if lead.received_at + target > as_of:
            continue  # still inside the window: neither a hit nor a miss yet
        counts[tier][0] += 1
        if lead.first_contact_at is not None and lead.first_contact_at - lead.received_at <= target:
            counts[tier][1] += 1
    return [
        SlaMetric(tier, targets[tier], n, hit, (hit / n) if n else None) for tier, (n, hit) in counts.items()
    ]


ALL_CLINICS = "all"


@dataclass(frozen=True, slots=True)
class SlaRow:
    """One row of marts.sla_metrics: a tier's speed-to-lead target and how often it was met."""

    as_of: datetime
    clinic_id: str  # ALL_CLINICS for the whole practice
    priority_tier: str
    target_minutes: float
    leads: int  # leads whose target has passed by as-of
    within: int  # of those, first contacted within the target
    share: float | None


def sla_table(leads: Iterable[SlaLead], as_of: datetime, targets: dict[str, timedelta]) -> list[SlaRow]:
    """SLA metrics for the practice and for each clinic (high within 30 min, standard within 2 h, ...)."""
    leads = list(leads)
    by_clinic: dict[str, list[SlaLead]] = {ALL_CLINICS: leads}
    for lead in leads:
        clinic = lead.clinic_id or "unknown"
        # a clinic whose id is ALL_CLINICS is already in the practice row (as in sla_table_from_counts);
        # appending to the list being iterated looped forever
        if clinic != ALL_CLINICS:
            by_clinic.setdefault(clinic, []).append(lead)
    return [
        SlaRow(as_of, clinic, m.priority_tier, m.target.total_seconds() / 60, m.leads, m.within, m.share)
        for clinic, group in sorted(by_clinic.items())
        for m in sla_metrics(group, as_of, targets)
    ]


@dataclass(frozen=True, slots=True)
class SlaCount:
    """Leads of one clinic and tier: how many, how many are due (target passed by as-of), how many of
    those were first contacted within the target. What `load_sla_counts` aggregates in the warehouse."""

    clinic_id: str  # "unknown" for a lead without one
    priority_tier: str
    leads: int
    due: int
    within: int


def sla_table_from_counts(
    counts: Iterable[SlaCount], as_of: datetime, targets: dict[str, timedelta]
) -> list[SlaRow]:
    """The rows `sla_table` makes of the same leads, from per-clinic-and-tier counts (counts of tiers with
    no target of their own must use the fallback tier's, as `sla_metrics` does; tiers it would drop, absent).
    Aggregating in the warehouse keeps a million leads out of Python."""
    by_clinic: dict[str, dict[str, list[int]]] = {ALL_CLINICS: {}}
    for c in counts:
        for key in {ALL_CLINICS, c.clinic_id}:
            n = by_clinic.setdefault(key, {}).setdefault(c.priority_tier, [0, 0, 0])
            n[0], n[1], n[2] = n[0] + c.leads, n[1] + c.due, n[2] + c.within
    rows: list[SlaRow] = []
    for clinic, tiers in sorted(by_clinic.items()):
        extra = sorted(t for t in tiers if t not in targets and SLA_FALLBACK_TIER in targets)
        for tier in [*targets, *extra]:
            target = targets.get(tier, targets.get(SLA_FALLBACK_TIER))
            _, due, within = tiers.get(tier, [0, 0, 0])
            minutes = target.total_seconds() / 60  # type: ignore[union-attr]
            rows.append(SlaRow(as_of, clinic, tier, minutes, due, within, (within / due) if due else None))
    return rows
