"""Contact rules enforced on every action: consent, opt-outs, quiet hours, frequency caps, spacing.

`channel_blocker` says whether a channel may be used at all; `earliest_allowed` moves a due time to
the first moment the channel may be used (inside local hours, under every cap, after the minimum gap).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from itertools import chain
from zoneinfo import ZoneInfo

from orchestration.actions.sequences import ComplianceConfig
from orchestration.actions.timeline import LeadInput, TimelineFacts

_MAX_ROUNDS = 16  # each round fixes one rule; a fixed point is reached in a few
_CONTACT_CHANNELS = frozenset({"call", "sms", "email"})  # held to the overall caps


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def channel_blocker(
    channel: str, lead: LeadInput, facts: TimelineFacts, rules: ComplianceConfig
) -> str | None:
    """Why `channel` may not be used for this lead now (a rule name, no PHI), or None when it may."""
    if facts.all_opted_out:
        return "opted_out"
    if channel in ("call", "sms"):
        if not lead.has_phone:
            return "no_phone"
        if facts.phone_bad:
            return "wrong_number"
    if channel == "sms":
        if facts.sms_opted_out:
            return "sms_stop"
        if lead.sms_consent is False or (
            rules.consent_required.get("sms", True) and lead.sms_consent is not True
        ):
            return "no_sms_consent"
    elif channel == "email":
        if not lead.has_email:
            return "no_email"
        if facts.email_suppressed:
            return "email_suppressed"
        if lead.email_consent is False or (
            rules.consent_required.get("email") and lead.email_consent is not True
        ):
            return "no_email_consent"
    elif channel == "call" and (
        lead.call_consent is False or (rules.consent_required.get("call") and lead.call_consent is not True)
    ):
        return "no_call_consent"
    # A zero cap closes the channel; the overall caps hold every contact channel (and _past_caps has no
    # touch to wait for under a zero cap: it would index past the sent list).
    overall = rules.caps.get("overall", ()) if channel in _CONTACT_CHANNELS else ()
    for cap in chain(rules.caps.get(channel, ()), overall):  # type: ignore[call-overload]
        if cap.max == 0:
            return "cap_zero"
    return None


def in_quiet_hours(at: datetime, tz: str, rules: ComplianceConfig) -> bool:
    """True when naive-UTC `at` falls outside the allowed local hours."""
    local = at.replace(tzinfo=UTC).astimezone(zone(tz)).time()
    return not (rules.quiet_hours.start <= local < rules.quiet_hours.end)


# into_window per (moment, zone, window): most calls of a run ask about the run's as-of or the next
# window opening in one of a few zones (~600 distinct of ~18k calls at 100k leads); a time zone
# conversion each was ~10% of the engine's time.
_WINDOWS: dict[tuple[datetime, str, time, time], datetime] = {}
_WINDOWS_MAX = 1 << 16


def into_window(at: datetime, tz: str, rules: ComplianceConfig) -> datetime:
    """The first allowed local moment at or after naive-UTC `at`."""
    hours = rules.quiet_hours
    return _in_window(at, tz, hours.start, hours.end)


def _in_window(at: datetime, tz: str, start: time, end: time) -> datetime:
    """into_window, the window's ends given (earliest_allowed looks them up once, not per round)."""
    key = (at, tz, start, end)
    moment = _WINDOWS.get(key)
    if moment is None:
        if len(_WINDOWS) >= _WINDOWS_MAX:
            _WINDOWS.clear()
        moment = _WINDOWS[key] = _into_window(*key)
    return moment


def _into_window(at: datetime, tz: str, start: time, end: time) -> datetime:
    local = at.replace(tzinfo=UTC).astimezone(zone(tz))
    clock = local.time()
    if start <= clock < end:
        return at
    if clock >= end:
        local = local + timedelta(days=1)
    opening = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    return opening.astimezone(UTC).replace(tzinfo=None)


def _past_caps(at: datetime, sent: list[datetime], caps: list) -> datetime:
    """Earliest time >= at when every cap (rolling window, max) allows one more touch."""
    sent_ever = len(sent)
    for cap in caps:
        if sent_ever < cap.max:  # fewer touches than the cap in all: none of its windows can be full
            continue
        lo = bisect_right(sent, at - cap.window)
        count = bisect_right(sent, at) - lo
        if count >= cap.max:
            # wait until enough of the touches in the window have aged out of it
            at = sent[lo + count - cap.max] + cap.window + timedelta(seconds=1)
    return at


def earliest_allowed(
    at: datetime, channel: str, lead: LeadInput, facts: TimelineFacts, rules: ComplianceConfig
) -> datetime:
    """Move `at` forward until quiet hours, caps (channel and overall) and the minimum gap all allow it."""
    # everything a round reads but `at`, looked up once (~9k calls of 2+ rounds each per 100k leads)
    own = sorted(facts.outbound.get(channel, ()))
    every = sorted(chain.from_iterable(facts.outbound.values()))
    own_caps = rules.caps.get(channel, [])  # type: ignore[call-overload]
    overall_caps = rules.caps.get("overall", []) if channel in _CONTACT_CHANNELS else []
    gap_ends = every[-1] + rules.min_gap if every else None
    tz = lead.timezone if channel in rules.quiet_channels else None
    start, end = rules.quiet_hours.start, rules.quiet_hours.end
    for _ in range(_MAX_ROUNDS):
        before = at
        if gap_ends is not None and at < gap_ends:
            at = gap_ends
        if own_caps:
            at = _past_caps(at, own, own_caps)
        if overall_caps:
            at = _past_caps(at, every, overall_caps)
        if tz is not None:
            at = _in_window(at, tz, start, end)
        if at == before:
            return at
    raise RuntimeError(f"no allowed time found for lead {lead.lead_id} on {channel}")
