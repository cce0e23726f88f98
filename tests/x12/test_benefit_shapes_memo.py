"""benefit_shapes.line_info's partial memo (lines keyed without their EB07 and EB10) gives what a fresh
read gives: lines that differ only in those amounts share a base, never a wrong one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.x12.benefit_shapes import _SHAPES, line_info
from orchestration.x12.segments import Delimiters
from tests.x12.test_x12_271_bulk_parity import _HEAD, _UPPER, _assert_parity, _interchange, _member, eb_line

_D = Delimiters("*", ":", "~", "^")
_AMOUNTS = st.sampled_from(["", "0", "25.00", "2498.14", ".5", "-3", "12.", "X1", "1.2.3", "7.6", "Q", "20"])


@st.composite
def amount_variants(draw: st.DrawFn) -> list[str]:
    """One EB line and copies of it with other EB07 and EB10 values (the element count kept)."""
    elements = draw(eb_line())[3:].split("*")
    lines = ["*".join(elements)]
    for _ in range(draw(st.integers(1, 6))):
        e = list(elements)
        if len(e) > 6:
            e[6] = draw(_AMOUNTS)
        if len(e) > 9:
            e[9] = draw(_AMOUNTS)
        lines.append("*".join(e))
    return lines


def _read(line: str, partial: dict[str, list]) -> tuple:
    shape_id, *amounts = line_info(line, _D, partial)
    return (_SHAPES[shape_id], *amounts)


@settings(max_examples=200, deadline=None)
@given(groups=st.lists(amount_variants(), min_size=1, max_size=4))
def test_shared_partial_memo_reads_as_a_fresh_one(groups: list[list[str]]) -> None:
    shared: dict[str, list] = {}
    for lines in groups:
        for line in lines:
            assert _read(line, shared) == _read(line, {})


@pytest.mark.parametrize(
    "lines",
    [
        # Lines that differ only in EB10 (or EB07) compete for one field: the memo shares their base, the
        # shape still tells an absent or invalid amount from a valid one (summarize skips the former).
        ["EB*F*IND*PT***29***VS*", "EB*F*IND*PT***29***VS*12", "EB*F*IND*PT***23***VS*20"],
        ["EB*F*IND*PT***29***VS*Q", "EB*F*IND*PT***29***VS*12", "EB*F*IND*PT***23***VS*20"],
        ["EB*F*IND*PT***29***VS*7.6", "EB*F*IND*PT***29***VS*", "EB*F*IND*PT***23***VS*20"],
        ["EB*C*IND*PT***29*", "EB*C*IND*PT***29*40.5", "EB*C*IND*PT***23*500"],
        ["EB*C*IND*PT***29*X1", "EB*C*IND*PT***29*40.5", "EB*C*IND*PT***23*500"],
        ["EB*C*IND*PT***29*-3", "EB*G*IND*PT***29*", "EB*G*IND*PT***29*9", "EB*G*IND*PT***23*900"],
    ],
)
def test_amount_variants_pick_as_the_oracle(lines: list[str]) -> None:
    for order in (lines, lines[::-1]):
        _assert_parity(_interchange([*_UPPER, *_member(3, "22", 2, order, _HEAD)]))


@pytest.mark.parametrize("dob", ["19800101", "19800230", "00000000", "20241231"])
def test_usual_member_dob_reads_as_the_oracle(dob: str) -> None:
    """The fast path reads a DMG date in place (8 digits; a date that does not exist: parse_271's file)."""
    head = [*_HEAD[:2], f"DMG*D8*{dob}", *_HEAD[3:]]
    lines = ["EB*1*IND*PT", "EB*C*IND*PT***29*40.5"]
    text = _interchange([*_UPPER, *_member(3, "22", 2, lines, head), *_member(4, "22", 2, lines, head)])
    _assert_parity(text, must_read=dob in ("19800101", "20241231"))
