"""From the EB lines (2110C/2110D) of one member to the PT benefit summary of EligibilityResponse.

Rule for every field: PT-specific lines (EB03 PT or AE) first, else plan-level lines (EB03 30).
Among several lines of a tier, prefer in-network amounts (EB12 Y; N when the provider is known to
be out of network), then individual over family coverage (EB02), then document order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestration.x12.codes import (
    ACTIVE_CODES,
    INACTIVE_CODES,
    PERIOD_REMAINING,
    PERIOD_YEAR_TO_DATE,
    PERIODS_TOTAL,
    PLAN_SERVICE_TYPE,
    PT_SERVICE_TYPES,
)
from orchestration.x12.segments import Segment
from orchestration.x12.values import decimal_value

_STATUS_CODES = ACTIVE_CODES | INACTIVE_CODES
_PT_OR_PLAN = PT_SERVICE_TYPES | {PLAN_SERVICE_TYPE}
_YN = ("Y", "N")
# EB06 -> which amount a line gives: the full benefit, what is left, or what was used this year.
_PERIOD_CLASS = {p: ":total" for p in PERIODS_TOTAL} | {
    PERIOD_REMAINING: ":remaining",
    PERIOD_YEAR_TO_DATE: ":ytd",
}
# Payers that report visits used in free text, e.g. "12 VISITS USED" / "VISITS USED: 12".
_VISITS_USED_MSG = (
    re.compile(r"(\d+)\s*VISITS?\s*(?:USED|TAKEN|APPLIED)", re.IGNORECASE),
    re.compile(r"VISITS?\s*(?:USED|TAKEN|APPLIED)\D{0,5}(\d+)", re.IGNORECASE),
)
_EB_ELEMENTS = 13


@dataclass(slots=True)
class BenefitLine:
    """One EB segment with the MSG and DTP segments that follow it."""

    code: str  # EB01
    coverage_level: str  # EB02 (IND, FAM, ...)
    service_types: tuple[str, ...]  # EB03 repeats
    plan_description: str  # EB05
    period: str  # EB06 time period qualifier
    amount: str  # EB07
    percent: str  # EB08
    quantity_qualifier: str  # EB09
    quantity: str  # EB10
    auth: str  # EB11
    network: str  # EB12
    position: int  # segment position, for error messages
    messages: list[str] = field(default_factory=list)
    dates: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # DTP01 -> (DTP02, DTP03, pos)

    @classmethod
    def from_segment(cls, seg: Segment, service_types: tuple[str, ...], position: int) -> BenefitLine:
        e = seg if len(seg) >= _EB_ELEMENTS else seg + [""] * (_EB_ELEMENTS - len(seg))
        return cls(e[1], e[2], service_types, e[5], e[6], e[7], e[8], e[9], e[10], e[11], e[12], position)


@dataclass(slots=True)
class PtBenefits:
    active: bool | None = None
    plan_name: str | None = None
    copay: float | None = None
    coinsurance: float | None = None
    deductible: float | None = None
    deductible_remaining: float | None = None
    oop_max: float | None = None
    oop_remaining: float | None = None
    visit_limit: int | None = None
    visits_used: int | None = None
    auth_required: bool | None = None
    in_network: bool | None = None
    dates: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # DTPs of the coverage line


def _money(line: BenefitLine | None) -> float | None:
    return None if line is None else decimal_value(line.amount, "EB07", line.position)


def _quantity(line: BenefitLine | None) -> int | None:
    return None if line is None else round(decimal_value(line.quantity, "EB10", line.position))


def summarize(lines: list[BenefitLine]) -> PtBenefits:
    """PT benefit summary of one member's EB lines."""
    out = PtBenefits()
    # One pass files each line under the summary fields it can feed, per tier (PT, then plan).
    buckets: dict[str, tuple[list[BenefitLine], list[BenefitLine]]] = {}

    def add(key: str, tier: int, ln: BenefitLine) -> None:
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = ([], [])
        bucket[tier].append(ln)

    for ln in lines:
        stypes = ln.service_types
        if "PT" in stypes or "AE" in stypes:
            tier = 0
        elif PLAN_SERVICE_TYPE in stypes:
            tier = 1
        else:
            continue
        code = ln.code
        if code in _STATUS_CODES:
            add("status", tier, ln)
            if ln.plan_description:
                add("named", tier, ln)
            if ln.dates:
                add("dated", tier, ln)
            if ln.network in _YN:
                add("status_network", tier, ln)
        elif code == "B":
            if ln.amount:
                add("B", tier, ln)
        elif code == "A":
            if ln.percent:
                add("A", tier, ln)
        elif code == "C" or code == "G":
            if ln.amount:
                add(code + _PERIOD_CLASS.get(ln.period, ":other"), tier, ln)
        elif code == "F" and ln.quantity_qualifier == "VS" and ln.quantity:
            add("F" + _PERIOD_CLASS.get(ln.period, ":other"), tier, ln)
        if ln.auth in _YN:
            add("auth", tier, ln)
        if ln.network in _YN:
            add("network", tier, ln)
    if not buckets:
        return out
    out.in_network = _network(buckets)
    preferred = "N" if out.in_network is False else "Y"

    def rank(ln: BenefitLine) -> tuple[int, int]:
        net = 0 if ln.network == preferred else (2 if ln.network in ("Y", "N") else 1)
        return net, 1 if ln.coverage_level == "FAM" else 0

    def best(key: str) -> BenefitLine | None:
        for tier in buckets.get(key, ()):
            if tier:
                return tier[0] if len(tier) == 1 else min(tier, key=rank)
        return None

    status = best("status")
    if status is not None:
        out.active = status.code in ACTIVE_CODES
    named = best("named")
    out.plan_name = named.plan_description if named else None
    dated = best("dated")
    out.dates = dated.dates if dated else {}
    out.copay = _money(best("B"))
    coins = best("A")
    if coins is not None:
        pct = decimal_value(coins.percent, "EB08", coins.position)
        out.coinsurance = pct / 100 if pct > 1 else pct  # some payers send 20 for 20%
    out.deductible, out.deductible_remaining = _total_and_remaining("C", best)
    out.oop_max, out.oop_remaining = _total_and_remaining("G", best)
    _visits(out, best, lines)
    auth = best("auth")
    out.auth_required = None if auth is None else auth.auth == "Y"
    return out


def _network(buckets: dict[str, tuple[list[BenefitLine], list[BenefitLine]]]) -> bool | None:
    """EB12 of the coverage status line, else the EB12 all benefit lines agree on, else None.

    EB12 on a benefit line says which network an amount applies to; a payer listing both in- and
    out-of-network amounts says nothing about this provider, hence None then.
    """
    status_lines = buckets.get("status_network", ((), ()))
    stated_lines = buckets.get("network", ((), ()))
    for tier in (0, 1):
        if status_lines[tier]:
            return status_lines[tier][0].network == "Y"
        stated = {ln.network for ln in stated_lines[tier]}
        if stated:
            return stated.pop() == "Y" if len(stated) == 1 else None
    return None


def _total_and_remaining(
    code: str, best: Callable[[str], BenefitLine | None]
) -> tuple[float | None, float | None]:
    """Deductible (C) or out-of-pocket (G): the full amount and what is left of it."""
    total = _money(best(f"{code}:total"))
    remaining = _money(best(f"{code}:remaining"))
    if remaining is None and total is not None:
        met = _money(best(f"{code}:ytd"))
        if met is not None:
            remaining = round(max(total - met, 0.0), 2)
    return total, remaining


def _visits(out: PtBenefits, best: Callable[[str], BenefitLine | None], lines: list[BenefitLine]) -> None:
    """Visit limit (F with VS quantity) and visits used = limit - remaining when both are given."""
    out.visit_limit = _quantity(best("F:total"))
    remaining = _quantity(best("F:remaining"))
    if out.visit_limit is not None and remaining is not None:
        out.visits_used = max(out.visit_limit - remaining, 0)
        return
    out.visits_used = _quantity(best("F:ytd"))
    if out.visits_used is None:
        out.visits_used = _visits_used_from_messages(lines)


def _visits_used_from_messages(lines: list[BenefitLine]) -> int | None:
    for ln in lines:
        if ln.code != "F" or not ln.messages or _PT_OR_PLAN.isdisjoint(ln.service_types):
            continue
        for msg in ln.messages:
            for pattern in _VISITS_USED_MSG:
                match = pattern.search(msg)
                if match:
                    return int(match.group(1))
    return None
