"""Parse X12 005010X279A1 270 eligibility inquiries into EligibilityInquiry records.

One inquiry per patient, in document order: each dependent (2000D), and each subscriber (2000C)
without dependents. A dependent's inquiry carries the dependent's name and DOB and the
subscriber's member id. Text fields the 270 leaves out come back as "" (the record's fields are
plain str); provider_npi is "" unless NM108 is XX; service_type is the first EQ01 repeat; the
service date is DTP*291 (the start of an RD8 range), else BHT04.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.x12.hierarchy import resolve_parent
from orchestration.x12.model import EligibilityInquiry
from orchestration.x12.segments import (
    Delimiters,
    Segment,
    TransactionSet,
    X12Error,
    parse_interchanges,
    split_repeats,
)
from orchestration.x12.values import date_range_start_end, parse_date


@dataclass(slots=True, eq=False)
class _Node:
    level: str
    parent: _Node | None
    children: int = 0
    nm1: Segment | None = None
    trace: str | None = None
    dob: date | None = None
    service_date: date | None = None
    service_type: str | None = None


def parse_270(text: str, *, strict: bool = True) -> list[EligibilityInquiry]:
    """Every patient inquiry of every 270 transaction set in text. Raises X12Error if malformed."""
    out: list[EligibilityInquiry] = []
    for ix in parse_interchanges(text, strict=strict):
        for group in ix.groups:
            for ts in group.transactions:
                if ts.set_id != "270":
                    raise X12Error(f"transaction set at segment {ts.position} is not a 270")
                out.extend(_parse_transaction(ts, ix.delimiters))
    return out


def _el(seg: Segment | None, i: int) -> str:
    return seg[i] if seg is not None and len(seg) > i else ""


def _parse_transaction(ts: TransactionSet, d: Delimiters) -> list[EligibilityInquiry]:
    nodes: dict[str, _Node] = {}
    last: dict[str, _Node] = {}
    order: list[_Node] = []
    cur: _Node | None = None
    bht_date: date | None = None
    for k in range(1, len(ts.segments) - 1):
        seg = ts.segments[k]
        sid, position = seg[0], ts.position + k
        if sid == "HL":
            cur = _open_level(seg, position, nodes, last)
            order.append(cur)
        elif cur is None:
            if sid == "BHT" and _el(seg, 4):
                bht_date = parse_date(seg[4], "BHT04", position)
        elif sid == "NM1" and cur.nm1 is None:
            cur.nm1 = seg
        elif sid == "TRN" and _el(seg, 1) == "1" and cur.trace is None:
            cur.trace = _el(seg, 2)
        elif sid == "DMG" and _el(seg, 1) == "D8" and _el(seg, 2):
            cur.dob = parse_date(seg[2], "DMG02", position)
        elif sid == "DTP" and _el(seg, 1) == "291" and cur.service_date is None:
            cur.service_date = date_range_start_end(_el(seg, 2), _el(seg, 3), "DTP03 (291)", position)[0]
        elif sid == "EQ" and cur.service_type is None:
            cur.service_type = split_repeats(_el(seg, 1), d)[0]
    out: list[EligibilityInquiry] = []
    for node in order:
        if node.level == "23" or (node.level == "22" and node.children == 0):
            out.append(_inquiry(node, bht_date, ts.position))
    return out


def _open_level(seg: Segment, position: int, nodes: dict[str, _Node], last: dict[str, _Node]) -> _Node:
    hl_id, level, parent = resolve_parent(seg, position, nodes, last)
    node = _Node(level, parent)
    nodes[hl_id] = node
    last[level] = node
    return node


def _inquiry(node: _Node, bht_date: date | None, st_position: int) -> EligibilityInquiry:
    dependent = node.level == "23"
    subscriber = node.parent if dependent else node
    receiver = subscriber.parent if subscriber is not None else None
    source = receiver.parent if receiver is not None else None
    chain = [node, subscriber] if dependent else [node]
    service_date = next((n.service_date for n in chain if n and n.service_date), None) or bht_date
    if service_date is None:
        raise X12Error(f"inquiry in transaction set at segment {st_position} has no service date")
    provider = receiver.nm1 if receiver else None
    if _el(provider, 2) == "1" and _el(provider, 4):
        provider_name = f"{_el(provider, 4)} {_el(provider, 3)}"
    else:
        provider_name = _el(provider, 3)
    member_id = _el(node.nm1, 9) or (_el(subscriber.nm1, 9) if dependent and subscriber else "")
    return EligibilityInquiry(
        trace_id=next((n.trace for n in chain if n and n.trace), ""),
        payer_name=_el(source.nm1 if source else None, 3),
        payer_id=_el(source.nm1 if source else None, 9),
        provider_name=provider_name,
        provider_npi=_el(provider, 9) if _el(provider, 8) == "XX" else "",
        first_name=_el(node.nm1, 4),
        last_name=_el(node.nm1, 3),
        member_id=member_id or None,
        dob=node.dob,
        service_date=service_date,
        service_type=next((n.service_type for n in chain if n and n.service_type), "") or "",
    )
