"""HL levels of one regular 271 transaction to row tuples: the part of the bulk reader (x12_271_bulk) that
reads payers, providers, subscribers and dependents.

The usual member head (TRN, NM1, REF, DMG, DTPs) is read by one regex match, any other head segment by
segment; only the segments that feed a row are split into elements. EB lines are memoised by their text and
summarised by their shape (benefit_shapes); payer and provider levels repeat across transactions and are
memoised too. A transaction without dependents or payer/provider rejections gives its members' rows in order.
A member with LS/LE or MSG/DTP/III/AAA after its EB lines goes to x12_271_bulk_general.
What it does not read exactly as parse_271 does -- LS/LE or DMG at payer or provider level, any error --
raises NotBulk.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from operator import itemgetter

from orchestration.x12.benefit_shapes import LineInfos, Plan, plan_for
from orchestration.x12.codes import REJECT_REASONS, UNKNOWN_REJECT_REASON
from orchestration.x12.segments import Delimiters
from orchestration.x12.x12_271_bulk_general import NotBulk, Rejection, read_general_member
from orchestration.x12.x12_271_bulk_general import check_id as _check_id
from orchestration.x12.x12_271_parse import _PLAN_BEGIN, _PLAN_END, _RANGE_ONLY

_first = itemgetter(0)
UpperLevel = tuple[str | None, str | None, str | None, list[Rejection]]  # name, payer id, NPI, own rejections
_CACHE_MAX = 20_000  # entries per memo; cleared when full (a worker reads many files)


class BulkMemo:
    """Per-delimiter-set memos: HL elements, payer/provider levels, EB lines, shape plans, plan dates."""

    def __init__(self, d: Delimiters) -> None:
        self.d = d
        self.marks = tuple(d.segment + sid + d.element for sid in ("GS", "ST", "SE", "GE", "IEA"))
        self.member_head = _member_head_pattern(d)
        self.eb_mark = d.segment + "EB" + d.element
        self.bht_mark = d.segment + "BHT" + d.element
        self.unit: re.Pattern[str] | None = None  # x12_271_bulk_units' pattern, set on first use
        self.hl_mark = d.segment + "HL" + d.element
        self.hl: dict[str, tuple[str, str, str]] = {}
        self.upper: dict[tuple[str, str], UpperLevel] = {}
        self.lines = LineInfos(d)
        self.plans: dict[tuple[int, ...], Plan] = {}
        self.dates: dict[tuple[str, ...], tuple[date | None, date | None] | None] = {}
        self.dtp_blocks: dict[str, tuple[date | None, date | None] | None] = {}
        self.day: dict[str, date] = {}  # CCYYMMDD -> date (BHT and plan dates repeat)
        self.aaa_blocks: dict[str, tuple] = {}  # a subscriber head's AAA segments -> rejection columns

    def trim(self) -> None:
        memos = (self.hl, self.upper, self.lines, self.lines.partial, self.plans, self.dates, self.dtp_blocks)
        for memo in (*memos, self.day, self.aaa_blocks):
            if len(memo) > _CACHE_MAX:
                memo.clear()


def _member_head_pattern(d: Delimiters) -> re.Pattern[str]:
    """The usual head of a member level -- TRN (01 = 2), NM1 with at least 9 elements, REF 6P, DMG D8 with a
    CCYYMMDD date, DTPs, in this order, each but the NM1 optional -- up to its first EB ("EB*" included) or
    its end. One match reads the head the way the segment loop of _member does; anything else (AAA, another
    qualifier, a repeated segment, ...) does not match and goes through that loop."""
    return re.compile(f"{member_head_parts(d)}(?:({re.escape(d.segment)}EB{re.escape(d.element)})|\\Z)")


def member_head_parts(d: Delimiters, *, rejections: bool = False, possessive: bool = False) -> str:
    """The usual member head's pattern text, without what follows it (groups: TRN02, NM103, NM104, NM109,
    REF02, DMG02, the DTP segments); rejections: AAA segments allowed right after the NM1 (one more group,
    after NM109: the AAA segments, each after its terminator); possessive: repeats never give back (each
    part ends before a delimiter it cannot hold, so the match is the same, only cheaper)."""
    s, t = re.escape(d.element), re.escape(d.segment)
    p = "+" if possessive else ""
    e = f"[^{s}{t}]*{p}"
    more = f"(?:{s}{e})*{p}"
    return (
        f"(?:TRN{s}2{s}({e}){more}{t})?"
        f"NM1{s}{e}{s}{e}{s}({e}){s}({e}){s}{e}{s}{e}{s}{e}{s}{e}{s}({e}){more}"
        + (f"((?:{t}AAA{s}[^{t}]*{p})*{p})" if rejections else "")
        + f"(?:{t}REF{s}6P{s}({e}){more})?"
        f"(?:{t}DMG{s}D8{s}([0-9]{{8}}){more})?"
        f"((?:{t}DTP{s}[^{t}]*{p})*{p})"
    )


@lru_cache(maxsize=16)
def memo_for(d: Delimiters) -> BulkMemo:
    return BulkMemo(d)


def elements(value: str, sep: str, n: int) -> list[str]:
    """value split by sep, padded with "" to at least n elements."""
    e = value.split(sep)
    return e if len(e) >= n else e + [""] * (n - len(e))


# A level of the HL tree while its transaction is read, as a list (cheaper to make than an object):
# [level, parent, children, rejections, ...]; rejections are a payer/provider level's own and inherited
# ones, a member's own. Payer and provider then hold name, payer id, NPI; members trace (TRN02),
# group (REF 6P), member id, plan dates, row, had EB lines.
_LEVEL, _PARENT, _CHILDREN, _REJECTIONS = 0, 1, 2, 3
_NAME, _PID, _NPI = 4, 5, 6
_TRACE, _GROUP, _MEMBER_ID, _DATES, _ROW, _HAS_EB = 4, 5, 6, 7, 8, 9
_NO_REJECTIONS = (None, None, None, None)


def read_transaction(body: str, id_prefix: str, memo: BulkMemo, out: list[tuple]) -> None:
    """Rows of the answers of one transaction appended to out; body: the segments between ST and SE, each
    after its terminator ("~BHT*...~HL*...")."""
    d = memo.d
    term, sep = d.segment, d.element
    pre, *blocks = body.split(memo.hl_mark)
    checked_at = None
    for seg in pre.split(term)[1:]:
        sid, _, value = seg.partition(sep)
        if sid == "BHT":
            bht = value.split(sep)
            if len(bht) > 3 and bht[3]:
                checked_at = _date(bht[3], memo)
        else:
            _check_id(sid)
    nodes: dict[str, list] = {}
    last: dict[str, list] = {}
    order: list[list] = []
    hl_memo, upper_memo = memo.hl, memo.upper
    # The usual transaction has no dependents and no rejections at payer or provider level: every member
    # answers, in order, and nothing else does; `rows` holds those answers while that is so.
    rows: list[tuple] | None = []
    for block in blocks:
        hl, _, rest = block.partition(term)
        parsed = hl_memo.get(hl)
        if parsed is None:
            parsed = hl_memo[hl] = tuple(elements(hl, sep, 3)[:3])  # type: ignore[assignment]
        hl_id, parent_id, level = parsed
        if hl_id in nodes:
            raise NotBulk
        if level == "22":
            parent = nodes.get(parent_id) if parent_id else last.get("21")
            if parent is None or parent[_LEVEL] != "21":
                raise NotBulk
            parent[_CHILDREN] += 1
            node = _member(level, parent, rest, memo, checked_at)
            if rows is not None:
                rows.append(node[_ROW])
        elif level == "21" or level == "20":
            parent = None
            if level == "21":
                parent = nodes.get(parent_id) if parent_id else last.get("20")
                if parent is None or parent[_LEVEL] != "20":
                    raise NotBulk
                parent[_CHILDREN] += 1
            known = upper_memo.get((level, rest)) or _upper(level, rest, memo)
            rejections = known[3]
            if parent is not None and parent[_REJECTIONS]:
                rejections = parent[_REJECTIONS] + rejections
            if rejections:
                rows = None
            node = [level, parent, 0, rejections, *known[:3]]
        elif level == "23":
            parent = nodes.get(parent_id) if parent_id else last.get("22")
            if parent is None or parent[_LEVEL] != "22":
                raise NotBulk
            parent[_CHILDREN] += 1
            node = _member(level, parent, rest, memo, checked_at)
            rows = None
        else:
            raise NotBulk
        nodes[hl_id] = last[level] = node
        order.append(node)
    if rows is not None:
        out.extend([(f"{id_prefix}{k}", *row) for k, row in enumerate(rows, 1)])
        return
    k = 0
    for node in order:
        if len(node) > _ROW:
            if node[_CHILDREN] and node[_LEVEL] == "22" and not node[_HAS_EB]:
                continue  # a subscriber that only identifies the policy holder of its dependents
            row = node[_ROW]
        elif node[_CHILDREN] == 0 and node[_REJECTIONS]:
            # A payer or provider level with nothing below but rejections: one answer of its own.
            src = node if node[_LEVEL] == "20" else node[_PARENT]
            npi = node[_NPI] if node[_LEVEL] == "21" else None
            row = (None, src[_NAME], src[_PID], npi) + (None,) * 4 + (False,) + (None,) * 15
            row += (checked_at, *_rejection_columns(node[_REJECTIONS]))
        else:
            continue
        k += 1
        out.append((f"{id_prefix}{k}", *row))


def _upper(level: str, rest: str, memo: BulkMemo) -> UpperLevel:
    """(name, payer id, NPI, own rejections) of a payer (20) or provider (21) level: its NM1 and AAAs,
    memoised by text (memo.upper)."""
    sep = memo.d.element
    nm1: list[str] | None = None
    rejections: list[Rejection] = []
    for seg in rest.split(memo.d.segment) if rest else ():
        sid, _, value = seg.partition(sep)
        if sid == "NM1":
            if nm1 is None:
                nm1 = elements(value, sep, 9)
        elif sid == "AAA":
            loop = "2100B" if level == "21" else ("2000A" if nm1 is None else "2100A")
            rejections.append(_rejection(loop, value, sep))
        elif sid in ("LS", "LE", "DMG"):
            raise NotBulk  # 2120 loops and dates of birth are parse_271's to judge
        else:
            _check_id(sid)
    name = (nm1[2] or None) if nm1 else None
    pid = (nm1[8] or None) if nm1 else None
    npi = (nm1[8] or None) if nm1 and nm1[7] == "XX" else None
    known = memo.upper[(level, rest)] = (name, pid, npi, rejections)
    return known


def _rejection(loop: str, value: str, sep: str) -> Rejection:
    e = elements(value, sep, 4)
    return loop, e[2], REJECT_REASONS.get(e[2], UNKNOWN_REJECT_REASON), e[3] or None


def _rejection_columns(rejections: list[Rejection]) -> tuple:
    if not rejections:
        return _NO_REJECTIONS
    loop, code, reason, _ = rejections[0]
    dicts = [{"loop": x[0], "code": x[1], "reason": x[2], "follow_up": x[3]} for x in rejections]
    return code, reason, loop, json.dumps(dicts)


def _date(value: str, memo: BulkMemo) -> date:
    out = memo.day.get(value)
    if out is None:
        if len(value) != 8 or not value.isdigit():
            raise NotBulk
        out = memo.day[value] = date.fromisoformat(value)  # CCYYMMDD; a ValueError: parse_271 reads it
    return out


def _member(level: str, parent: list, rest: str, memo: BulkMemo, checked_at: date | None) -> list:
    """Subscriber (22) or dependent (23) level with its row."""
    term = memo.d.segment
    m = memo.member_head.match(rest)
    if m is not None:  # the usual head, read by one match
        trace, last, first, member_id, group, dob, dtps, eb = m.groups()
        names = (last or None, first or None, member_id or None)
        dob = date.fromisoformat(dob) if dob else None  # CCYYMMDD; a ValueError: parse_271 reads it
        rejections: list[Rejection] = []
        dates = _dtp_block_dates(dtps, memo) if dtps else None
        lines = rest[m.end() :].split(memo.eb_mark) if eb else []
        # Only EB segments after the first EB (else the general reader): a terminator before each EB mark.
        if lines and rest.count(term, m.end()) != len(lines) - 1:
            return _general_member(level, parent, rest, memo, checked_at)
        head = (names, trace or None, dob, group or None, rejections, dates)
    else:
        text = term + rest
        first_line, *lines = text.split(memo.eb_mark)  # one scan: the head, then the EB lines (no "EB*")
        # Only EB segments after the first EB (else the general reader): as many terminators after it as EB
        # marks. An LS in the head is found by _head_segments, which hands the member to the general reader.
        if lines and text.count(term, len(first_line) + len(term)) != len(lines) - 1:
            return _general_member(level, parent, rest, memo, checked_at)
        head = _head_segments(first_line, level == "23", memo)
        if head is None:
            return _general_member(level, parent, rest, memo, checked_at)
    pt = benefit_values(lines, memo) if lines else _NO_BENEFITS
    return _member_node(level, parent, checked_at, (*head, pt, bool(lines)))


_NO_BENEFITS = (None,) * 12


def benefit_values(lines: list[str], memo: BulkMemo) -> tuple:
    """(active, plan name, copay, coinsurance, deductible, deductible remaining, out-of-pocket max, its
    remaining, visit limit, visits used, auth required, in network) of a member's EB lines (each without
    its "EB" id), as benefits.summarize gives them: by their shapes' plan, memoised."""
    infos = list(map(memo.lines.__getitem__, lines))  # a line not seen yet read on the way
    shapes = tuple(map(_first, infos))
    plan = memo.plans.get(shapes)
    if plan is None:
        plan = memo.plans[shapes] = plan_for(shapes)
        if plan is None:
            raise NotBulk  # summarize would raise on a chosen amount
    active, auth, in_network, fields = plan
    return (active, *fields(infos), auth, in_network)


_NO_NAMES = (None, None, None)


def _head_segments(head: str, dependent: bool, memo: BulkMemo) -> tuple | None:
    """(names, trace, DOB, group, rejections, plan dates) of a member head the pattern did not match, read
    segment by segment (head: its segments, each after its terminator); None: the general reader's."""
    term, sep = memo.d.segment, memo.d.element
    names = trace = dob = group = None
    rejections: list[Rejection] = []
    dtps: list[str] = []
    for seg in head.split(term)[1:] if head != term else ():  # head == term: a level with no segments
        sid, _, value = seg.partition(sep)
        if sid == "NM1":
            if names is None:
                nm1 = value.split(sep)
                if len(nm1) < 9:
                    nm1 += [""] * (9 - len(nm1))
                names = (nm1[2] or None, nm1[3] or None, nm1[8] or None)
        elif sid == "DTP":
            dtps.append(value)
        elif sid == "TRN":
            if trace is None:
                trn = value.split(sep)
                if trn[0] == "2" and len(trn) > 1:
                    trace = trn[1] or None
        elif sid == "DMG":
            dmg = value.split(sep)
            if dmg[0] == "D8" and len(dmg) > 1 and dmg[1]:
                value = dmg[1]
                if len(value) != 8 or not value.isdigit():
                    raise NotBulk
                dob = date.fromisoformat(value)
        elif sid == "REF":
            if group is None:
                ref = value.split(sep)
                if ref[0] == "6P" and len(ref) > 1:
                    group = ref[1] or None
        elif sid == "AAA":
            rejections.append(_rejection("2100D" if dependent else "2100C", value, sep))
        elif sid == "LS" or sid == "EB":  # written without elements: the general reader has them right
            return None
        else:
            _check_id(sid)
    dates = _plan_dates(tuple(dtps), memo) if dtps else None
    return names or _NO_NAMES, trace, dob, group, rejections, dates


def _dtp_block_dates(block: str, memo: BulkMemo) -> tuple[date | None, date | None] | None:
    """Plan dates of a head's DTP segments as the pattern caught them ("~DTP*...~DTP*..."), memoised."""
    if block in memo.dtp_blocks:
        return memo.dtp_blocks[block]
    d = memo.d
    found = memo.dtp_blocks[block] = _plan_dates(tuple(block.split(d.segment + "DTP" + d.element)[1:]), memo)
    return found


def _general_member(level: str, parent: list, rest: str, memo: BulkMemo, checked_at: date | None) -> list:
    """A member level with LS/LE, MSG, DTP, III or AAA after its EB lines (x12_271_bulk_general)."""
    nm1, trace, dob, group, rejections, own, pt, has_eb = read_general_member(rest, level == "23", memo.d)
    names = (nm1[2] or None, nm1[3] or None, nm1[8] or None) if nm1 else _NO_NAMES
    values = (pt.active, pt.plan_name, pt.copay, pt.coinsurance, pt.deductible, pt.deductible_remaining)
    values += (pt.oop_max, pt.oop_remaining, pt.visit_limit, pt.visits_used, pt.auth_required, pt.in_network)
    coverage_dates = {qualifier: v[:2] for qualifier, v in pt.dates.items()}
    fields = (names, trace, dob, group, rejections, _dates_of(own, memo) if own else None, values, has_eb)
    return _member_node(level, parent, checked_at, fields, coverage_dates, memo)


def _member_node(
    level: str, parent: list, checked_at: date | None, fields: tuple, coverage_dates: dict | None = None,
    memo: BulkMemo | None = None,
) -> list:  # fmt: skip
    """The member's level list with its row: its fields, then what it inherits (a dependent its subscriber's
    trace, group, member id and plan dates; everyone the rejections above), then the coverage line's dates."""
    (last, first, member_id), trace, dob, group, rejections, dates, pt, has_eb = fields
    dependent = level == "23"
    node = [level, parent, 0, rejections, trace, group, member_id, dates, None, has_eb]
    if dependent:
        subscriber, inherited = parent, parent[_PARENT][_REJECTIONS]
        trace = trace or subscriber[_TRACE]
        group = group or subscriber[_GROUP]
        member_id = member_id or subscriber[_MEMBER_ID]
        dates = dates or subscriber[_DATES]
        if subscriber[_REJECTIONS]:
            inherited = inherited + [r for r in subscriber[_REJECTIONS] if r[0] == "2100C"]
    else:
        subscriber, inherited = node, parent[_REJECTIONS]
    if dates is None and coverage_dates and memo is not None:
        dates = _dates_of(coverage_dates, memo)
    receiver = subscriber[_PARENT]
    source = receiver[_PARENT]
    begin, end = dates or _NO_DATES
    active, name, copay, coins, ded, ded_left, oop, oop_left, limit, used, auth, in_network = pt
    node[_ROW] = (
        trace,
        source[_NAME],
        source[_PID],
        receiver[_NPI],
        member_id,
        first,
        last,
        dob,
        dependent,
        active,
        name,
        group,
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
    ) + (_rejection_columns(inherited + rejections) if inherited or rejections else _NO_REJECTIONS)
    return node


_NO_DATES = (None, None)


def _plan_dates(dtps: tuple[str, ...], memo: BulkMemo) -> tuple[date | None, date | None] | None:
    """Plan begin/end from one level's DTPs (first per qualifier), None when they name neither."""
    if dtps in memo.dates:
        return memo.dates[dtps]
    sep = memo.d.element
    dates: dict[str, tuple[str, str]] = {}
    for value in dtps:
        e = elements(value, sep, 3)
        dates.setdefault(e[0], (e[1], e[2]))
    found = memo.dates[dtps] = _dates_of(dates, memo)
    return found


def _dates_of(dates: dict[str, tuple[str, str]], memo: BulkMemo) -> tuple[date | None, date | None] | None:
    begin, end = _pick(dates, _PLAN_BEGIN, memo, start=True), _pick(dates, _PLAN_END, memo, start=False)
    return (begin, end) if begin is not None or end is not None else None


def _pick(
    dates: dict[str, tuple[str, str]], qualifiers: tuple[str, ...], memo: BulkMemo, *, start: bool
) -> date | None:
    for qualifier in qualifiers:
        if qualifier not in dates:
            continue
        fmt, value = dates[qualifier]
        if qualifier in _RANGE_ONLY and fmt != "RD8":
            continue
        if fmt == "RD8":  # both ends are checked, as date_range_start_end does
            first, _, last = value.partition("-")
            first_date, last_date = _date(first, memo), _date(last, memo)
            return first_date if start else last_date
        return _date(value, memo)
    return None
