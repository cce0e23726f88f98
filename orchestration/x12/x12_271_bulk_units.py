"""The usual 271 transaction read in one regex pass: the bulk reader's fast path (x12_271_bulk).

The usual transaction -- a BHT, then units of payer (20), provider (21) and one subscriber (22), each level
with its parent the one before it, payer and provider a lone NM1, the subscriber the usual head (the
pattern of x12_271_bulk_levels._member_head_pattern) and only EB segments after it -- is cut into units by
one finditer, whose matches must tile the body. A unit then gives its row without building the HL tree:
the payer and provider levels from the same memo, the head's groups as _member reads them, the EB lines by
the same plan (x12_271_bulk_levels.benefit_values). Anything else (dependents, several subscribers under
one provider, AAA, other segments, a gap between matches) returns False and read_transaction reads the
transaction, so rows are those of read_transaction by construction (parity: tests/x12, 271 fast path).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from orchestration.x12.segments import Delimiters
from orchestration.x12.x12_271_bulk_levels import (
    BulkMemo,
    _date,
    _dtp_block_dates,
    _rejection,
    _rejection_columns,
    _upper,
    benefit_values,
    member_head_parts,
)

_NO_REJECTIONS = (None, None, None, None)
_NO_BENEFITS = (None,) * 12


@lru_cache(maxsize=16)
def unit_pattern(d: Delimiters) -> re.Pattern[str]:
    """One unit of the usual transaction, from an HL's terminator to just before the next unit (or the
    body's end): a payer and its provider (optional: a unit without them is one more subscriber of the
    provider before), then a subscriber. Groups: payer HL01, payer NM1, provider HL01, provider NM1,
    subscriber HL01 and HL02, then the head's (TRN02, NM103, NM104, NM109, AAA segments, REF02, DMG02, DTP
    segments) and the EB segments ("~EB*...~EB*...")."""
    s, t = re.escape(d.element), re.escape(d.segment)
    e = f"[^{s}{t}]*"
    hl_tail = f"(?:{s}[^{t}]*)?"  # HL04 and anything after: read_transaction reads HL01-HL03 only
    return re.compile(
        f"(?:{t}HL{s}({e}){s}{e}{s}20{hl_tail}{t}(NM1{s}[^{t}]*)"
        # A parent given must be the level just before (HL01 are checked unique); none: the last one.
        f"{t}HL{s}({e}){s}(?:\\1|){s}21{hl_tail}{t}(NM1{s}[^{t}]*))?"
        f"{t}HL{s}({e}){s}({e}){s}22{hl_tail}{t}"
        f"{member_head_parts(d, rejections=True)}"
        f"((?:{t}EB{s}[^{t}]*)*)"
        f"(?={t}HL{s}|\\Z)"
    )


def read_usual_transaction(body: str, id_prefix: str, memo: BulkMemo, out: list[tuple]) -> bool:
    """Rows of a usual transaction appended to out (True), or nothing (False: read_transaction's). body: the
    segments between ST and SE, each after its terminator ("~BHT*...~HL*...")."""
    d = memo.d
    term, sep = d.segment, d.element
    bht_end = body.find(term, 1)
    if not body.startswith(term + "BHT" + sep) or bht_end < 0:
        return False
    units = list(unit_pattern(d).finditer(body, bht_end))
    pos = bht_end
    for m in units:  # the units must tile the body: no segment left unread
        if m.start() != pos:
            return False
        pos = m.end()
    if pos != len(body) or not units or units[0].group(1) is None:
        return False
    bht = body[len(term) + 4 : bht_end].split(sep)
    checked_at = _date(bht[3], memo) if len(bht) > 3 and bht[3] else None
    ids: list[str] = []
    rows: list[tuple] = []
    upper, day, eb_mark, aaa_blocks = memo.upper, memo.day, memo.eb_mark, memo.aaa_blocks
    source = receiver = _NO_REJECTIONS
    provider_id = ""
    for m in units:
        (payer_id, payer, new_provider_id, provider, member_hl, parent_id, trace, last, first, member_id, aaa,
         group, dob, dtps, ebs) = m.groups()  # fmt: skip
        if payer_id is not None:
            ids += (payer_id, new_provider_id)
            provider_id = new_provider_id
            source = upper.get(("20", payer)) or _upper("20", payer, memo)
            receiver = upper.get(("21", provider)) or _upper("21", provider, memo)
        if parent_id and parent_id != provider_id:
            return False
        ids.append(member_hl)
        born: date | None = (day.get(dob) or _date(dob, memo)) if dob else None
        begin, end = (_dtp_block_dates(dtps, memo) if dtps else None) or (None, None)
        benefits = benefit_values(ebs.split(eb_mark)[1:], memo) if ebs else _NO_BENEFITS
        rejected = (aaa_blocks.get(aaa) or _rejections(aaa, memo)) if aaa else _NO_REJECTIONS
        rows.append(
            (
                f"{id_prefix}{len(rows) + 1}",
                trace or None,
                source[0],
                source[1],
                receiver[2],
                member_id or None,
                first or None,
                last or None,
                born,
                False,
                benefits[0],
                benefits[1],
                group or None,
                begin,
                end,
                *benefits[2:],
                checked_at,
                *rejected,
            )
        )
    if len(set(ids)) != len(ids):
        return False
    out += rows
    return True


def _rejections(block: str, memo: BulkMemo) -> tuple:
    """Rejection columns of a subscriber head's AAA segments ("~AAA*...~AAA*..."), memoised by text."""
    d = memo.d
    values = block.split(d.segment + "AAA" + d.element)[1:]
    columns = memo.aaa_blocks[block] = _rejection_columns([_rejection("2100C", v, d.element) for v in values])
    return columns
