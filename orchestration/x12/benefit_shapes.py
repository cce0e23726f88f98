"""The PT benefit summary (benefits.summarize) computed from the *shapes* of a member's EB lines, memoised.

Which EB line feeds which summary field depends only on each line's shape (tier, EB01, FAM or not, EB11,
EB12, which amounts are present, the EB06 period class), never on the amounts themselves; members of one
payer share a few shape sequences. So a line is read once per distinct text (its shape and raw amounts,
`line_info`), a shape sequence's selection is computed once (`plan_for`), and a member's summary is the
selected lines' amounts (`apply_plan`). Only for EB lines without MSG/DTP/III/LS segments after them: those
carry messages and dates the shape does not hold (the bulk reader hands such files to parse_271).

Parity with benefits.summarize is a test (tests/x12/test_x12_271_bulk_parity.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from orchestration.x12.codes import (
    ACTIVE_CODES,
    INACTIVE_CODES,
    PERIOD_REMAINING,
    PERIOD_YEAR_TO_DATE,
    PERIODS_TOTAL,
    PLAN_SERVICE_TYPE,
)
from orchestration.x12.segments import Delimiters, X12Error, split_repeats
from orchestration.x12.values import decimal_value

_STATUS_CODES = ACTIVE_CODES | INACTIVE_CODES
_READ_CODES = _STATUS_CODES | {"A", "B", "C", "F", "G"}  # the EB01 codes summarize reads
_PERIOD_CLASS = {p: ":total" for p in PERIODS_TOTAL} | {
    PERIOD_REMAINING: ":remaining",
    PERIOD_YEAR_TO_DATE: ":ytd",
}
_YN = ("Y", "N")

# Shape: (tier, EB01, is FAM, EB12 as Y/N/"", EB11 as Y/N/"", has EB05, has EB07, has EB08, VS quantity,
# EB06 class, EB07/EB08/EB10 not a decimal); None for a line outside the PT and plan tiers (summarize skips
# it). Shapes are interned as small ints: a member's key is then a tuple of ints, cheap to hash.
Shape = tuple | None
_SHAPE_IDS: dict[Shape, int] = {None: 0}
_SHAPES: list[Shape] = [None]
# (shape id, EB07 dollars, EB08 as a fraction, EB10 rounded, EB05): amounts None when absent or invalid.
LineInfo = tuple[int, float | None, float | None, int | None, str]
_OUTSIDE: LineInfo = (0, None, None, None, "")

# A plan: (active, auth_required, in_network, fields) -- fields(infos), given the member's line infos, gives
# what apply_plan documents -- or None when summarize would raise (a chosen amount is not a decimal).
Plan = tuple | None
_KEYS = (("named", 4), ("B", 1), ("A", 2), ("C:total", 1), ("C:remaining", 1), ("C:ytd", 1))
_KEYS += (("G:total", 1), ("G:remaining", 1), ("G:ytd", 1), ("F:total", 3), ("F:remaining", 3), ("F:ytd", 3))
_BAD_FLAG = {1: 12, 2: 9, 3: 10}  # value slot -> index of its "not a decimal" flag in the shape


def _decimal(value: str) -> tuple[float | None, bool]:
    """(value, invalid): summarize raises on an invalid amount only when it picks that line."""
    if not value:
        return None, False
    if value.replace(".", "", 1).isdecimal():  # what values.decimal_value's pattern accepts, minus signs
        return float(value), False
    try:
        return decimal_value(value, "", 0), False
    except X12Error:
        return None, True


def line_info(line: str, d: Delimiters, partial: dict[str, list]) -> LineInfo:
    """Shape and amounts of one EB segment given without its "EB" id (EB01*EB02*...).

    partial memoises the line read without its EB07 and EB10: lines differ mostly by those amounts (what is
    left of a deductible, of the visits), so a new line usually costs one split, one join, one lookup and a
    decimal (measured cheaper than a split at EB07 and two slices, or a regex match)."""
    sep = d.element
    e = line.split(sep)
    n = len(e)
    amount = e[6] if n > 6 else ""
    quantity = e[9] if n > 9 else ""
    if amount or quantity:  # the key: the line with both left empty
        e[6] = ""
        if n > 9:
            e[9] = ""
        key = sep.join(e)
    else:
        key = line
    base = partial.get(key)
    if base is None:
        base = partial[key] = _base_info(e, d)
    if base is _OUTSIDE:
        return _OUTSIDE
    parts, coins, desc, ids = base
    if amount:  # as _decimal, its usual case inline
        if amount.replace(".", "", 1).isdecimal():
            dollars, slot = float(amount), 3
        else:
            dollars, bad = _decimal(amount)
            slot = 6 if bad else 3
    else:
        dollars, slot = None, 0
    if quantity:
        count, bad = _decimal(quantity)
        slot += 2 if bad else 1
        if count is not None:
            count = round(count)
    else:
        count = None
    shape_id = ids[slot]
    if shape_id is None:
        shape_id = ids[slot] = _intern(_shape(parts, slot))
    return shape_id, dollars, coins, count, desc


class LineInfos(dict):
    """EB line text -> its LineInfo, read on first use: memo[line] (or map(memo.__getitem__, lines)) reads a
    line not seen yet through __missing__, so a member's lines are looked up by one C-level map with no
    check for misses after it."""

    def __init__(self, d: Delimiters) -> None:
        super().__init__()
        self.d = d
        self.partial: dict[str, list] = {}  # line_info's: lines keyed without their EB07 and EB10

    def __missing__(self, line: str) -> LineInfo:
        info = self[line] = line_info(line, self.d, self.partial)
        return info


def _intern(shape: Shape) -> int:
    shape_id = _SHAPE_IDS.get(shape)
    if shape_id is None:
        shape_id = _SHAPE_IDS[shape] = len(_SHAPES)
        _SHAPES.append(shape)
    return shape_id


def _shape(parts: tuple, slot: int) -> Shape:
    """The shape of a line from its base's parts and its slot: 3 * (EB07 absent / a decimal / not a decimal) +
    (EB10 absent / a decimal / not a decimal)."""
    tier, code, fam, network, auth, has_desc, has_percent, is_vs, period, bad_percent = parts
    amount_slot, quantity_slot = divmod(slot, 3)
    return (
        tier,
        code,
        fam,
        network,
        auth,
        has_desc,
        has_percent,
        is_vs and quantity_slot > 0,
        period,
        bad_percent,
        quantity_slot == 2,
        amount_slot > 0,
        amount_slot == 2,
    )


def _base_info(e: list[str], d: Delimiters) -> list | LineInfo:
    """What a line's shape and amounts take from its elements but EB07 and EB10 (e: those left empty):
    [shape parts, coinsurance, EB05, the shape ids by slot (interned on first use)]; _OUTSIDE: outside the
    tiers."""
    if len(e) < 12:
        e = e + [""] * (12 - len(e))
    stype = e[2]
    stypes = (stype,) if len(stype) <= 2 else tuple(split_repeats(stype, d))
    if "PT" in stypes or "AE" in stypes:
        tier = 0
    elif PLAN_SERVICE_TYPE in stypes:
        tier = 1
    else:
        return _OUTSIDE
    desc, period, _amount, percent, qualifier, _quantity, auth, network = e[4:12]
    pct, bad_percent = _decimal(percent)
    coins = None if pct is None else (pct / 100 if pct > 1 else pct)  # some payers send 20 for 20%
    code = e[0] if e[0] in _READ_CODES else "?"  # other EB01 codes feed nothing: one shape for them all
    parts = (
        tier,
        code,
        e[1] == "FAM",
        network if network in _YN else "",
        auth if auth in _YN else "",
        bool(desc),
        bool(percent),
        qualifier == "VS",
        _PERIOD_CLASS.get(period, ":other"),
        bad_percent,
    )
    return [parts, coins, desc, [None] * 9]


def plan_for(shape_ids: tuple[int, ...]) -> Plan:
    """benefits.summarize's choice of lines for a member whose EB lines have these shapes."""
    shapes = [_SHAPES[i] for i in shape_ids]
    buckets: dict[str, tuple[list[int], list[int]]] = {}

    def add(key: str, tier: int, i: int) -> None:
        buckets.setdefault(key, ([], []))[tier].append(i)

    for i, shape in enumerate(shapes):
        if shape is None:
            continue
        tier, code, _fam, network, auth, has_desc, has_percent, vs_quantity, period, _, _, has_amount, _ = (
            shape
        )
        if code in _STATUS_CODES:
            add("status", tier, i)
            if has_desc:
                add("named", tier, i)
            if network:
                add("status_network", tier, i)
        elif code == "B":
            if has_amount:
                add("B", tier, i)
        elif code == "A":
            if has_percent:
                add("A", tier, i)
        elif code == "C" or code == "G":
            if has_amount:
                add(code + period, tier, i)
        elif code == "F" and vs_quantity:
            add("F" + period, tier, i)
        if auth:
            add("auth", tier, i)
        if network:
            add("network", tier, i)
    if not buckets:
        return None, None, None, _fields((None,) * len(_KEYS))
    in_network = _network(buckets, shapes)
    preferred = "N" if in_network is False else "Y"

    def rank(i: int) -> tuple[int, int]:
        network = shapes[i][3]  # type: ignore[index]
        return (0 if network == preferred else (2 if network else 1)), (1 if shapes[i][2] else 0)  # type: ignore[index]

    def best(key: str) -> int:
        for tier in buckets.get(key, ()):
            if tier:
                return tier[0] if len(tier) == 1 else min(tier, key=rank)
        return -1

    chosen = {key: best(key) for key, _ in _KEYS}
    # What summarize reads of a year-to-date line: only when the remaining amount is missing and the total
    # is there (C, G), or when limit and remaining are not both there (F).
    skipped = {
        "C:ytd": chosen["C:remaining"] >= 0 or chosen["C:total"] < 0,
        "G:ytd": chosen["G:remaining"] >= 0 or chosen["G:total"] < 0,
        "F:ytd": chosen["F:total"] >= 0 and chosen["F:remaining"] >= 0,
    }
    positions = []
    for key, slot in _KEYS:
        i = chosen[key]
        if i >= 0 and slot in _BAD_FLAG and shapes[i][_BAD_FLAG[slot]] and not skipped.get(key):  # type: ignore[index]
            return None  # summarize would raise on this amount: parse_271 says where
        positions.append(None if i < 0 else (i, slot))
    status, auth = best("status"), best("auth")
    active = None if status < 0 else shapes[status][1] in ACTIVE_CODES  # type: ignore[index]
    auth_required = None if auth < 0 else shapes[auth][4] == "Y"  # type: ignore[index]
    return active, auth_required, in_network, _fields(tuple(positions))


def _network(buckets: dict[str, tuple[list[int], list[int]]], shapes: list[Shape]) -> bool | None:
    status_lines = buckets.get("status_network", ((), ()))
    stated_lines = buckets.get("network", ((), ()))
    for tier in (0, 1):
        if status_lines[tier]:
            return shapes[status_lines[tier][0]][3] == "Y"  # type: ignore[index]
        stated = {shapes[i][3] for i in stated_lines[tier]}  # type: ignore[index]
        if stated:
            return stated.pop() == "Y" if len(stated) == 1 else None
    return None


Fields = Callable[[list[LineInfo]], tuple]
_FIELD_NAMES = ("name", "copay", "coins", "ded", "ded_left", "ded_met", "oop", "oop_left", "oop_met", "limit")
_FIELD_NAMES += ("left", "used")  # the order of _KEYS


@lru_cache(maxsize=4096)
def _fields(positions: tuple[tuple[int, int] | None, ...]) -> Fields:
    """The function that reads a member's fields from its line infos for one plan: (line, slot) per _KEYS
    entry, None for a field no line gives. Written out as Python once per distinct positions (a few per
    payer): one subscript pair per field, and summarize's derivations only where both their inputs can be
    there (~1 us a member less than flattening the infos and picking from the flat tuple)."""
    value = {
        name: "None" if at is None else f"x[{at[0]}][{at[1]}]"
        for name, at in zip(_FIELD_NAMES, positions, strict=True)
    }
    body = [f"    {name} = {expr}" for name, expr in value.items() if expr != "None"]
    body += [f"    {name} = None" for name, expr in value.items() if expr == "None"]
    for total, left, met in (("ded", "ded_left", "ded_met"), ("oop", "oop_left", "oop_met")):
        if value[total] != "None" and value[met] != "None":
            body.append(f"    if {left} is None and {total} is not None and {met} is not None:")
            body.append(f"        {left} = round(max({total} - {met}, 0.0), 2)")
    if value["limit"] != "None" and value["left"] != "None":
        body.append("    if limit is not None and left is not None:")
        body.append("        used = max(limit - left, 0)")
    body.append("    return name, copay, coins, ded, ded_left, oop, oop_left, limit, used")
    namespace: dict = {}
    exec("def fields(x):\n" + "\n".join(body), namespace)  # text built from ints only
    return namespace["fields"]


def apply_plan(fields: Fields, infos: list[LineInfo]) -> tuple:
    """(plan_name, copay, coinsurance, deductible, deductible_remaining, oop_max, oop_remaining,
    visit_limit, visits_used) of the member, as summarize gives them."""
    return fields(infos)
