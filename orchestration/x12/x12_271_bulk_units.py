"""The usual 271 transaction read in one regex pass: the bulk reader's fast path (x12_271_bulk).

The usual transaction -- a BHT, then units of a payer (20) and its provider (21), each a lone NM1, with one
or more subscribers (22), each with the usual head (x12_271_bulk_levels.member_head_parts: TRN, NM1, AAAs,
REF, DMG, DTPs) and only EB segments after it, every given HL parent the level just before -- is cut into
units by one finditer, whose matches must tile the body. A unit gives its row without building the HL tree:
payer and provider from the same memo as read_transaction, the head's groups as _member reads them, the EB
lines by the same shape plan. Anything else (dependents, AAA at payer or provider, other segments, a gap
between matches, a repeated HL id) returns False and read_transaction reads the transaction: the rows are
read_transaction's by construction (parity properties: tests/x12/test_x12_271_fast_units.py).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from operator import itemgetter

from orchestration.x12.benefit_shapes import plan_for
from orchestration.x12.segments import Delimiters
from orchestration.x12.x12_271_bulk_general import NotBulk
from orchestration.x12.x12_271_bulk_levels import (
    BulkMemo,
    _date,
    _dtp_block_dates,
    _rejection,
    _rejection_columns,
    _upper,
    member_head_parts,
)

_NO_AAA = (None, None, None, None)  # rejection code, reason, loop, JSON of a subscriber without AAA
_NO_DATES = (None, None)
_first = itemgetter(0)


@lru_cache(maxsize=16)
def unit_pattern(d: Delimiters) -> re.Pattern[str]:
    """One unit of the usual transaction, from an HL's terminator to just before the next unit (or the
    body's end): a payer and its provider (optional: a unit without them is one more subscriber of the
    provider before), then a subscriber. Groups: payer HL01, payer NM1, provider HL01, provider NM1,
    subscriber HL01 and HL02, then the head's (TRN02, NM103, NM104, NM109, AAA segments, REF02, DMG02, DTP
    segments) and the EB segments ("~EB*...~EB*...")."""
    s, t = re.escape(d.element), re.escape(d.segment)
    # Possessive quantifiers (*+, ?+): what a part consumes never needs giving back (the next part starts with
    # a delimiter the part cannot hold), and not offering it back saves ~10% of the match.
    e = f"[^{s}{t}]*+"
    hl_tail = f"(?:{s}[^{t}]*+)?+"  # HL04 and anything after: read_transaction reads HL01-HL03 only
    return re.compile(
        f"(?:{t}HL{s}({e}){s}{e}{s}20{hl_tail}{t}(NM1{s}[^{t}]*)"
        # A parent given must be the level just before (HL01 are checked unique); none: the last one.
        f"{t}HL{s}({e}){s}(?:\\1|){s}21{hl_tail}{t}(NM1{s}[^{t}]*))?"
        f"{t}HL{s}({e}){s}({e}){s}22{hl_tail}{t}"
        f"{member_head_parts(d, rejections=True, possessive=True)}"
        f"((?:{t}EB{s}[^{t}]*+)*+)"
        f"(?={t}HL{s}|\\Z)"
    )


def read_usual_transaction(
    ix: str, start: int, stop: int, id_prefix: str, memo: BulkMemo, out: list[tuple]
) -> bool:
    """Rows of a usual transaction appended to out (True), or nothing (False: read_transaction's). The
    transaction's body is ix[start:stop]: the segments between ST and SE, each after its terminator
    ("~BHT*...~HL*...")."""
    d = memo.d
    term, sep = d.segment, d.element
    bht_end = ix.find(term, start + 1, stop)
    if bht_end < 0 or not ix.startswith(memo.bht_mark, start):
        return False
    bht = ix[start + len(memo.bht_mark) : bht_end].split(sep)
    checked_at = (memo.day.get(bht[3]) or _date(bht[3], memo)) if len(bht) > 3 and bht[3] else None
    pos = bht_end
    ids: list[str] = []
    rows: list[tuple] = []
    upper, day, eb_mark, aaa_blocks, line_infos, plans, dtp_blocks = (
        memo.upper, memo.day, memo.eb_mark, memo.aaa_blocks, memo.lines.__getitem__, memo.plans,
        memo.dtp_blocks,
    )  # fmt: skip
    payer_name = payer_code = npi = None
    provider_id: str | None = None
    for m in (memo.unit or _unit_for(memo)).finditer(ix, bht_end, stop):
        if m.start() != pos:  # the units must tile the body: no segment left unread
            return False
        pos = m.end()
        (payer_id, payer, new_provider_id, provider, member_hl, parent_id, trace, last, first, member_id, aaa,
         group, dob, dtps, ebs) = m.groups()  # fmt: skip
        if payer_id is not None:
            ids += (payer_id, new_provider_id)
            provider_id = new_provider_id
            payer_name, payer_code = (upper.get(("20", payer)) or _upper("20", payer, memo))[:2]
            npi = (upper.get(("21", provider)) or _upper("21", provider, memo))[2]
        elif provider_id is None:
            return False  # a subscriber before any provider
        if parent_id and parent_id != provider_id:
            return False  # a given parent must be the provider before (empty: read_transaction takes it)
        ids.append(member_hl)
        if dob:  # the pattern took 8 digits; a date that does not exist raises (parse_271 reads the file)
            born = day.get(dob)
            if born is None:
                born = day[dob] = date.fromisoformat(dob)
        else:
            born = None
        if dtps:
            dates = dtp_blocks.get(dtps, dtp_blocks)  # the memo itself: not read yet (None: no plan dates)
            begin, end = (_dtp_block_dates(dtps, memo) if dates is dtp_blocks else dates) or _NO_DATES
        else:
            begin = end = None
        if ebs:  # as x12_271_bulk_levels.benefit_values, inline (the most repeated work of a row)
            lines = ebs.split(eb_mark)
            del lines[0]
            infos = list(map(line_infos, lines))  # a line not seen yet read on the way (LineInfos)
            shapes = tuple(map(_first, infos))
            plan = plans.get(shapes)
            if plan is None:
                plan = plans[shapes] = plan_for(shapes)
                if plan is None:
                    raise NotBulk  # summarize would raise on a chosen amount
            active, auth, in_network, fields = plan
            name, copay, coins, ded, ded_left, oop, oop_left, limit, used = fields(infos)
        else:
            active = name = copay = coins = ded = ded_left = oop = oop_left = limit = used = auth = None
            in_network = None
        code, reason, loop, rejections = (aaa_blocks.get(aaa) or _rejections(aaa, memo)) if aaa else _NO_AAA
        rows.append(
            (
                f"{id_prefix}{len(rows) + 1}",
                trace or None,
                payer_name,
                payer_code,
                npi,
                member_id or None,
                first or None,
                last or None,
                born,
                False,
                active,
                name,
                group or None,
                begin,
                end,
                copay,
                coins,
                ded,
                ded_left,
                oop,
                oop_left,
                limit,
                used,
                auth,
                in_network,
                checked_at,
                code,
                reason,
                loop,
                rejections,
            )
        )
    if pos != stop or not rows or len(set(ids)) != len(ids):
        return False
    out += rows
    return True


def _unit_for(memo: BulkMemo) -> re.Pattern[str]:
    memo.unit = unit_pattern(memo.d)  # kept on the memo: no lru_cache lookup (hashing the delimiters) per ST
    return memo.unit


def _rejections(block: str, memo: BulkMemo) -> tuple:
    """Rejection columns of a subscriber head's AAA segments ("~AAA*...~AAA*..."), memoised by text."""
    d = memo.d
    values = block.split(d.segment + "AAA" + d.element)[1:]
    columns = memo.aaa_blocks[block] = _rejection_columns([_rejection("2100C", v, d.element) for v in values])
    return columns
