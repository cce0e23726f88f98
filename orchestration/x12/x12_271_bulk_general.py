"""A member level the bulk reader's fast path does not take -- LS/LE loops, MSG, DTP, III or AAA after its EB
lines, as real payers send them -- read segment by segment the way parse_271 reads it, and summarised by
benefits.summarize itself (only the envelope and the HL tree stay the bulk reader's).
"""

from __future__ import annotations

import re
from datetime import date

from orchestration.x12.benefits import BenefitLine, PtBenefits, summarize
from orchestration.x12.codes import REJECT_REASONS, UNKNOWN_REJECT_REASON
from orchestration.x12.segments import Delimiters, split_repeats
from orchestration.x12.values import parse_date

Rejection = tuple[str, str, str, str | None]  # loop, code, reason, follow-up

# Ids a body segment read by id may not have: the envelope's and HL, EB, LS (their loops are found by
# "<id><element separator>", so one written without elements would be read as another segment).
_SPECIAL_IDS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA", "HL", "EB", "LS"})
_SEGMENT_ID = re.compile(r"[A-Z0-9]{2,3}\Z")
# Segments this reader handles by id: any other id is only checked.
_READ_IDS = frozenset({"EB", "MSG", "DTP", "LS", "LE", "AAA", "NM1", "TRN", "DMG", "REF"})


class NotBulk(Exception):
    """The text is outside what the bulk reader handles: parse_271 reads it."""


def check_id(sid: str) -> None:
    """A segment id parse_271 would refuse, or one the bulk reader would misread: NotBulk."""
    if sid in _SPECIAL_IDS or _SEGMENT_ID.match(sid) is None:
        raise NotBulk


def rejection(loop: str, code: str, follow_up: str) -> Rejection:
    return loop, code, REJECT_REASONS.get(code, UNKNOWN_REJECT_REASON), follow_up or None


def _el(e: list[str], i: int) -> str:
    return e[i] if len(e) > i else ""


def read_general_member(
    rest: str, dependent: bool, d: Delimiters
) -> tuple[list[str] | None, str | None, date | None, str | None, list[Rejection], dict, PtBenefits, bool]:
    """(NM1 elements after the id, trace, DOB, group, rejections, the level's own DTPs as {DTP01: (DTP02,
    DTP03)}, PT summary, had EB lines) of the segments after a member's HL, as x12_271_parse reads them."""
    sep = d.element
    suffix = "D" if dependent else "C"
    nm1: list[str] | None = None
    trace = dob = group = None
    rejections: list[Rejection] = []
    dates: dict[str, tuple[str, str]] = {}
    benefits: list[BenefitLine] = []
    in_2120 = False
    for seg in rest.split(d.segment) if rest else ():
        e = seg.split(sep)
        sid = e[0]
        if sid not in _READ_IDS:
            check_id(sid)  # also inside a 2120 loop: parse_271 checks every id
        if in_2120:
            in_2120 = sid != "LE"
        elif sid == "EB":
            stype = _el(e, 3)
            stypes = (stype,) if len(stype) <= 2 else tuple(split_repeats(stype, d))
            benefits.append(BenefitLine.from_segment(e, stypes, 0))
        elif sid == "MSG":
            if benefits:
                benefits[-1].messages.append(_el(e, 1))
        elif sid == "DTP":
            if benefits:
                benefits[-1].dates.setdefault(_el(e, 1), (_el(e, 2), _el(e, 3), 0))
            else:
                dates.setdefault(_el(e, 1), (_el(e, 2), _el(e, 3)))
        elif sid == "LS":
            in_2120 = True
        elif sid == "AAA":
            rejections.append(rejection(("2110" if benefits else "2100") + suffix, _el(e, 3), _el(e, 4)))
        elif sid == "NM1":
            if nm1 is None:
                nm1 = e[1:] + [""] * (10 - len(e))
        elif benefits:
            continue  # other 2110 segments (HSD, REF, III) do not feed the summary
        elif sid == "TRN":
            if _el(e, 1) == "2" and trace is None:
                trace = _el(e, 2) or None
        elif sid == "DMG":
            if _el(e, 1) == "D8" and _el(e, 2):
                dob = parse_date(e[2], "DMG02", 0)
        elif sid == "REF" and _el(e, 1) == "6P" and group is None:
            group = _el(e, 2) or None
    return nm1, trace, dob, group, rejections, dates, summarize(benefits), bool(benefits)
