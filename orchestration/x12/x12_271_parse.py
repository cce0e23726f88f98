"""Parse X12 005010X279A1 271 eligibility responses into EligibilityResponse records.

Loops: 2000A HL*20 (information source: NM1*PR payer), 2000B HL*21 (receiver: NM1*1P provider),
2000C HL*22 (subscriber), 2000D HL*23 (dependent), 2110C/D EB benefit loops with MSG, DTP, III and
LS/LE-wrapped 2120 entities (skipped). Unknown segments are ignored.

One response per answered member, in document order:
- a dependent (2000D) always;
- a subscriber (2000C) when it has no dependents or EB lines of its own (when the patient is a
  dependent, the subscriber loop only identifies the policy holder);
- a receiver (2000B) or source (2000A) with no members below but an AAA rejection (e.g. "provider
  not on file"), with the member fields left None.
record_id = f"{ISA13}-{ST02}-{index}", index = 1-based position of the response inside its ST.
Rejections of 2000A/2100A/2100B apply to every member below; a dependent also inherits the 2100C
rejections of its subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from orchestration.x12.benefits import BenefitLine, PtBenefits, summarize
from orchestration.x12.codes import REJECT_REASONS, UNKNOWN_REJECT_REASON
from orchestration.x12.hierarchy import resolve_parent
from orchestration.x12.model import EligibilityResponse, Rejection
from orchestration.x12.segments import (
    Delimiters,
    Segment,
    TransactionSet,
    X12Error,
    parse_interchanges,
    split_repeats,
)
from orchestration.x12.values import date_range_start_end, parse_date

# Plan dates, most specific first: 346/347 plan begin/end, 356/357 eligibility begin/end, and the
# 291 (plan) / 307 (eligibility) periods, which only give both ends when sent as an RD8 range.
_PLAN_BEGIN = ("346", "356", "291", "307")
_PLAN_END = ("347", "357", "291", "307")
_RANGE_ONLY = frozenset({"291", "307"})


@dataclass(slots=True, eq=False)
class _Node:
    """One HL level while its segments are read."""

    level: str  # HL03: 20 source, 21 receiver, 22 subscriber, 23 dependent
    parent: _Node | None
    position: int
    children: int = 0
    nm1: Segment | None = None
    rejections: list[Rejection] = field(default_factory=list)
    trace: str | None = None
    dob: date | None = None
    group_number: str | None = None
    dates: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # DTP01 -> (fmt, value, pos)
    benefits: list[BenefitLine] = field(default_factory=list)


def parse_271(text: str, *, strict: bool = True) -> list[EligibilityResponse]:
    """Every subscriber/dependent answer of every 271 transaction set in text.

    strict=False tolerates mismatched envelope control numbers (counts are always checked).
    Raises X12Error (message without PHI) when the text is not a well-formed 271.
    """
    out: list[EligibilityResponse] = []
    for ix in parse_interchanges(text, strict=strict):
        for group in ix.groups:
            for ts in group.transactions:
                if ts.set_id != "271":
                    raise X12Error(f"transaction set at segment {ts.position} is not a 271")
                out.extend(_parse_transaction(ts, ix.control_number, ix.delimiters))
    return out


def _el(seg: Segment, i: int) -> str:
    return seg[i] if len(seg) > i else ""


def _opt(value: str) -> str | None:
    return value or None


def _rejection(node: _Node, seg: Segment) -> Rejection:
    if node.level == "20":
        loop = "2000A" if node.nm1 is None else "2100A"
    elif node.level == "21":
        loop = "2100B"
    else:
        suffix = "C" if node.level == "22" else "D"
        loop = ("2110" if node.benefits else "2100") + suffix
    code = _el(seg, 3)
    return Rejection(loop, code, REJECT_REASONS.get(code, UNKNOWN_REJECT_REASON), _opt(_el(seg, 4)))


def _parse_transaction(ts: TransactionSet, isa13: str, d: Delimiters) -> list[EligibilityResponse]:
    segs = ts.segments
    checked_at: date | None = None
    nodes: dict[str, _Node] = {}
    order: list[_Node] = []
    last_of_level: dict[str, _Node] = {}
    cur: _Node | None = None
    in_2120 = False
    base = ts.position
    for k in range(1, len(segs) - 1):
        seg = segs[k]
        sid = seg[0]
        if sid == "HL":
            cur = _open_level(seg, base + k, nodes, last_of_level)
            order.append(cur)
            in_2120 = False
        elif cur is None:
            if sid == "BHT" and _el(seg, 4):
                checked_at = parse_date(seg[4], "BHT04", base + k)
        elif in_2120:
            in_2120 = sid != "LE"
        elif sid == "EB":
            stype = seg[3] if len(seg) > 3 else ""
            stypes = (stype,) if len(stype) <= 2 else tuple(split_repeats(stype, d))
            cur.benefits.append(BenefitLine.from_segment(seg, stypes, base + k))
        elif sid == "MSG":
            if cur.benefits:
                cur.benefits[-1].messages.append(_el(seg, 1))
        elif sid == "DTP":
            target = cur.benefits[-1].dates if cur.benefits else cur.dates
            target.setdefault(_el(seg, 1), (_el(seg, 2), _el(seg, 3), base + k))
        elif sid == "LS":
            in_2120 = True
        elif sid == "AAA":
            cur.rejections.append(_rejection(cur, seg))
        elif sid == "NM1":
            if cur.nm1 is None:
                cur.nm1 = seg
        elif cur.benefits:
            continue  # other 2110 segments (HSD, REF, III) do not feed the summary
        elif sid == "TRN":
            if _el(seg, 1) == "2" and cur.trace is None:
                cur.trace = _opt(_el(seg, 2))
        elif sid == "DMG":
            if _el(seg, 1) == "D8" and _el(seg, 2):
                cur.dob = parse_date(seg[2], "DMG02", base + k)
        elif sid == "REF" and _el(seg, 1) == "6P" and cur.group_number is None:
            cur.group_number = _opt(_el(seg, 2))
    return _responses(order, f"{isa13}-{ts.control_number}-", checked_at)


def _open_level(seg: Segment, position: int, nodes: dict[str, _Node], last: dict[str, _Node]) -> _Node:
    hl_id, level, parent = resolve_parent(seg, position, nodes, last)
    node = _Node(level, parent, position)
    nodes[hl_id] = node
    last[level] = node
    return node


def _responses(order: list[_Node], id_prefix: str, checked_at: date | None) -> list[EligibilityResponse]:
    out: list[EligibilityResponse] = []
    for node in order:
        if node.level == "23" or (node.level == "22" and (node.children == 0 or node.benefits)):
            out.append(_member_response(node, f"{id_prefix}{len(out) + 1}", checked_at))
        elif node.level in ("20", "21") and node.children == 0:
            rejections = _inherited(node)
            if rejections:
                src = node if node.level == "20" else node.parent
                out.append(
                    EligibilityResponse(
                        record_id=f"{id_prefix}{len(out) + 1}",
                        trace_id=None,
                        payer_name=_name_of(src),
                        payer_id=_id_of(src),
                        provider_npi=_npi_of(node) if node.level == "21" else None,
                        member_id=None,
                        first_name=None,
                        last_name=None,
                        dob=None,
                        checked_at=checked_at,
                        rejections=rejections,
                    )
                )
    return out


def _inherited(node: _Node) -> list[Rejection]:
    """Rejections of node and of the source/receiver levels above it, in document order."""
    chain: list[_Node] = []
    cur: _Node | None = node
    while cur is not None:
        chain.append(cur)
        cur = cur.parent
    out: list[Rejection] = []
    for level_node in reversed(chain):
        if level_node.level == "22" and node.level == "23":
            out.extend(r for r in level_node.rejections if r.loop == "2100C")
        else:
            out.extend(level_node.rejections)
    return out


def _name_of(node: _Node | None) -> str | None:
    return _opt(_el(node.nm1, 3)) if node is not None and node.nm1 is not None else None


def _id_of(node: _Node | None) -> str | None:
    return _opt(_el(node.nm1, 9)) if node is not None and node.nm1 is not None else None


def _npi_of(node: _Node | None) -> str | None:
    if node is None or node.nm1 is None or _el(node.nm1, 8) != "XX":
        return None
    return _opt(_el(node.nm1, 9))


def _member_response(node: _Node, record_id: str, checked_at: date | None) -> EligibilityResponse:
    dependent = node.level == "23"
    subscriber = node.parent if dependent else node
    receiver = subscriber.parent if subscriber is not None else None
    source = receiver.parent if receiver is not None else None
    nm1 = node.nm1 or []
    member_id = _opt(_el(nm1, 9))
    if member_id is None and dependent:
        member_id = _id_of(subscriber)  # dependents are known by the subscriber's id
    pt = summarize(node.benefits)
    plan_begin, plan_end = _plan_dates(node, subscriber if dependent else None, pt)
    return EligibilityResponse(
        record_id=record_id,
        trace_id=node.trace or (subscriber.trace if dependent and subscriber else None),
        payer_name=_name_of(source),
        payer_id=_id_of(source),
        provider_npi=_npi_of(receiver),
        member_id=member_id,
        first_name=_opt(_el(nm1, 4)),
        last_name=_opt(_el(nm1, 3)),
        dob=node.dob,
        is_dependent=dependent,
        active=pt.active,
        plan_name=pt.plan_name,
        group_number=node.group_number or (subscriber.group_number if dependent and subscriber else None),
        plan_begin=plan_begin,
        plan_end=plan_end,
        copay=pt.copay,
        coinsurance=pt.coinsurance,
        deductible=pt.deductible,
        deductible_remaining=pt.deductible_remaining,
        oop_max=pt.oop_max,
        oop_remaining=pt.oop_remaining,
        visit_limit=pt.visit_limit,
        visits_used=pt.visits_used,
        auth_required=pt.auth_required,
        in_network=pt.in_network,
        checked_at=checked_at,
        rejections=_inherited(node),
    )


def _plan_dates(node: _Node, subscriber: _Node | None, pt: PtBenefits) -> tuple[date | None, date | None]:
    """Plan begin/end from the member's DTPs, else the subscriber's, else the coverage EB line's."""
    sources: list[dict[str, tuple[str, str, int]]] = [node.dates]
    if subscriber is not None:
        sources.append(subscriber.dates)
    sources.append(pt.dates)
    for dates in sources:
        begin = _pick_date(dates, _PLAN_BEGIN, start=True)
        end = _pick_date(dates, _PLAN_END, start=False)
        if begin is not None or end is not None:
            return begin, end
    return None, None


def _pick_date(
    dates: dict[str, tuple[str, str, int]], qualifiers: tuple[str, ...], *, start: bool
) -> date | None:
    for qualifier in qualifiers:
        if qualifier not in dates:
            continue
        fmt, value, position = dates[qualifier]
        if qualifier in _RANGE_ONLY and fmt != "RD8":
            continue
        first, last = date_range_start_end(fmt, value, f"DTP03 ({qualifier})", position)
        return first if start else (last or first)
    return None
