"""The usual 271 transaction read in one regex pass: the bulk reader's fast path (x12_271_bulk).

The usual transaction -- a BHT, then units of a payer (20) and its provider (21), each a lone NM1, with one
or more subscribers (22), each with the usual head (x12_271_bulk_levels.member_head_parts: TRN, NM1, AAAs,
REF, DMG, DTPs) and only EB segments after it, every given HL parent the level just before -- is cut into
units by one finditer, whose matches must tile the body. A unit gives its row without building the HL tree:
payer and provider from the same memo as read_transaction, the head's groups as _member reads them, the EB
lines by the same shape plan. Anything else (dependents, AAA at payer or provider, other segments, a gap
between matches, a repeated HL id) returns False and read_transaction reads the transaction: the rows are
read_transaction's by construction (parity properties: tests/x12/test_x12_271_fast_units.py).

read_usual_group reads a functional group's transactions in the same pass: the unit pattern also takes the
SE-ST-BHT boundary before a transaction's first unit, checked as _interchange checks it, which saves the
per-transaction walk and call (about 1 us a row when transactions hold two subscribers). A transaction it
does not read whole leaves no rows: it and the ones after it are walked one by one as before (parity
properties: tests/x12/test_x12_271_group_run.py).
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
        # A transaction boundary (read_usual_run's group mode): the SE closing a transaction, the ST and BHT
        # opening the next (their elements: checked as _interchange and read_usual_transaction check them).
        f"(?:{t}SE{s}([^{t}]*+){t}ST{s}([^{t}]*+){t}BHT{s}([^{t}]*+))?"
        f"(?:{t}HL{s}({e}){s}{e}{s}20{hl_tail}{t}(NM1{s}[^{t}]*)"
        # A parent given must be the level just before (HL01 are checked unique); none: the last one.
        f"{t}HL{s}({e}){s}(?:\\4|){s}21{hl_tail}{t}(NM1{s}[^{t}]*))?"
        f"{t}HL{s}({e}){s}({e}){s}22{hl_tail}{t}"
        f"{member_head_parts(d, rejections=True, possessive=True)}"
        f"((?:{t}EB{s}[^{t}]*+)*+)"
        f"(?={t}HL{s}|{t}SE{s}|\\Z)"
    )


def read_usual_transaction(
    ix: str, start: int, stop: int, id_prefix: str, memo: BulkMemo, out: list[tuple]
) -> bool:
    """Rows of a usual transaction appended to out (True), or nothing (False: read_transaction's). The
    transaction's body is ix[start:stop]: the segments between ST and SE, each after its terminator
    ("~BHT*...~HL*...")."""
    return read_usual_run(ix, start, stop, id_prefix, "", memo, out, closed=False)[0] == 1


def read_usual_group(
    ix: str, st_at: int, ge_at: int, isa13: str, memo: BulkMemo, out: list[tuple]
) -> tuple[int, int, bool]:
    """Rows of a functional group's transactions from the one at st_at on appended to out, read in one
    pass while they are usual ones (about 1 us a row less than a call per transaction), exactly as
    _interchange and read_usual_transaction read them one by one: (transactions read, where the first one
    not read starts: its ST's terminator, ge_at when all were read, declined: read_usual_transaction would
    decline that one too). ix[st_at:ge_at]: ST ... SE segments, each after its terminator."""
    term, sep = memo.d.segment, memo.d.element
    st_end = ix.find(term, st_at + 1, ge_at)
    if st_end < 0 or not ix.startswith(memo.marks[1], st_at):
        return 0, st_at, False
    st = ix[st_at + 4 : st_end].split(sep)  # ST01 and ST02, as _interchange reads them
    if len(st) < 2 or st[0] != "271":
        return 0, st_at, False
    prefix = f"{isa13}-{st[1]}-"
    return read_usual_run(ix, st_end, ge_at, prefix, isa13, memo, out, closed=True, st02=st[1], st_at=st_at)


def read_usual_run(
    ix: str, start: int, stop: int, id_prefix: str, isa13: str, memo: BulkMemo, out: list[tuple],
    *, closed: bool, st02: str = "", st_at: int = 0,
) -> tuple[int, int, bool]:  # fmt: skip
    """Rows of the usual transactions in ix[start:stop] appended to out, in order: (transactions read,
    where the first one not read starts: the terminator before its ST, or stop; declined: that one's units
    were read and declined, as read_usual_transaction declines them). The text starts at the
    first transaction's BHT (its ST read by the caller: id_prefix, st02); closed: it ends with the last
    transaction's SE, each transaction after the first opened by an SE-ST-BHT boundary the unit pattern
    matches (checked here as _interchange checks them: ST01 271, SE01 the segment count, SE02 = ST02); else
    it ends where its one transaction's SE starts. A transaction that is not a usual one, or fails a check,
    leaves none of its rows in out: its reader (_interchange's walk) reads it again, in the same order with
    the same checks, so this raises only where that walk raises too."""
    d = memo.d
    term, sep = d.segment, d.element
    bht_end = ix.find(term, start + 1, stop)
    if bht_end < 0 or not ix.startswith(memo.bht_mark, start):
        return 0, st_at, True  # no BHT: read_usual_transaction declines
    bht = ix[start + len(memo.bht_mark) : bht_end].split(sep)
    checked_at = (memo.day.get(bht[3]) or _date(bht[3], memo)) if len(bht) > 3 and bht[3] else None
    pos = bht_end
    tx_row = len(out)  # the transaction's first row
    tx_at = st_at  # its ST's terminator (read_usual_group's st_at)
    tx_start = start  # the terminator that ends the transaction's ST (SE01 counts from it)
    transactions = 1
    ids: list[str] = []
    k = 0  # the transaction's rows so far
    upper, day, eb_mark, aaa_blocks, line_infos, plans, dtp_blocks = (
        memo.upper, memo.day, memo.eb_mark, memo.aaa_blocks, memo.lines.__getitem__, memo.plans,
        memo.dtp_blocks,
    )  # fmt: skip
    payer_name = payer_code = npi = None
    provider_id: str | None = None
    for m in (memo.unit or _unit_for(memo)).finditer(ix, bht_end, stop):
        if m.start() != pos:  # the units must tile the body: no segment left unread
            del out[tx_row:]
            return transactions - 1, tx_at, True
        pos = m.end()
        (se, st, bht_text, payer_id, payer, new_provider_id, provider, member_hl, parent_id, trace, last,
         first, member_id, aaa, group, dob, dtps, ebs) = m.groups()  # fmt: skip
        if se is not None:  # a transaction boundary (only in a closed run: else no SE in the text)
            if not _transaction_closes(ix, tx_start, m.start(), se, st02, k, ids, term, sep):
                del out[tx_row:]
                return transactions - 1, tx_at, False  # an envelope fault, or declined: the walk tells
            tx_row, tx_at = len(out), m.start(2) - len(memo.marks[1])  # the next transaction
            st_el = st.split(sep)
            if len(st_el) < 2 or st_el[0] != "271":
                return transactions, tx_at, False
            st02 = st_el[1]
            id_prefix = f"{isa13}-{st02}-"
            tx_start = m.start(3) - len(memo.bht_mark)
            bht = bht_text.split(sep)
            checked_at = (day.get(bht[3]) or _date(bht[3], memo)) if len(bht) > 3 and bht[3] else None
            transactions += 1
            ids = []
            k = 0
            provider_id = None
        if payer_id is not None:
            ids += (payer_id, new_provider_id)
            provider_id = new_provider_id
            payer_name, payer_code = (upper.get(("20", payer)) or _upper("20", payer, memo))[:2]
            npi = (upper.get(("21", provider)) or _upper("21", provider, memo))[2]
        elif provider_id is None:  # a subscriber before any provider
            del out[tx_row:]
            return transactions - 1, tx_at, True
        if parent_id and parent_id != provider_id:
            del out[tx_row:]  # a given parent must be the provider before (empty: read_transaction's)
            return transactions - 1, tx_at, True
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
        k += 1
        out.append(
            (
                f"{id_prefix}{k}",
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
    if closed:  # what is left: the last transaction's SE, one segment
        ok = ix.startswith(memo.marks[2], pos) and ix.find(term, pos + 1, stop) < 0
        ok = ok and _transaction_closes(ix, tx_start, pos, ix[pos + 4 : stop], st02, k, ids, term, sep)
    else:
        ok = pos == stop and k > 0 and len(set(ids)) == len(ids)
    if not ok:
        del out[tx_row:]
        return transactions - 1, tx_at, False
    return transactions, stop, False


def _transaction_closes(
    ix: str, tx_start: int, se_at: int, se: str, st02: str, rows: int, ids: list[str], term: str, sep: str
) -> bool:
    """A transaction of a closed run ends well: rows read, HL ids unique, its SE (elements se, the
    terminator before it at se_at) counting its segments and repeating its ST02, as _interchange checks."""
    if not rows or len(set(ids)) != len(ids):
        return False
    e = se.split(sep)
    if len(e) < 2 or not e[0].isdecimal() or e[1] != st02:
        return False
    return int(e[0]) == ix.count(term, tx_start, se_at) + 2


def _unit_for(memo: BulkMemo) -> re.Pattern[str]:
    memo.unit = unit_pattern(memo.d)  # kept on the memo: no lru_cache lookup (hashing the delimiters) per ST
    return memo.unit


def _rejections(block: str, memo: BulkMemo) -> tuple:
    """Rejection columns of a subscriber head's AAA segments ("~AAA*...~AAA*..."), memoised by text."""
    d = memo.d
    values = block.split(d.segment + "AAA" + d.element)[1:]
    columns = memo.aaa_blocks[block] = _rejection_columns([_rejection("2100C", v, d.element) for v in values])
    return columns
