"""Hypothesis strategies for X12 records and delimiter sets (shared by the tests in tests/x12)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from orchestration.x12.codes import (
    FOLLOW_UP_ACTIONS,
    REJECT_CODES_BY_LOOP,
    REJECT_REASONS,
    REJECTION_LOOP_ORDER,
)
from orchestration.x12.model import EligibilityInquiry, EligibilityResponse, Rejection

# Values use the X12 basic character set; delimiters come from a pool that shares no character
# with it (nor with "." and "-" that decimals and dates need).
TEXT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '&,/"
DELIMITER_POOL = '*:~^|!{}\\;<>@#$%`+=?"_'

texts = st.text(TEXT_ALPHABET, min_size=1, max_size=16).map(str.strip).filter(bool)
ids = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
npis = st.text("0123456789", min_size=10, max_size=10)
dates = st.dates(date(1900, 1, 1), date(2099, 12, 31))
money = st.integers(0, 5_000_000).map(lambda cents: cents / 100)
fractions = st.integers(0, 100).map(lambda pct: pct / 100)


@st.composite
def delimiter_sets(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(element, component, segment terminator, repetition); the terminator may be a line feed."""
    element, component, terminator, repetition = draw(
        st.lists(st.sampled_from(DELIMITER_POOL), min_size=4, max_size=4, unique=True)
    )
    if draw(st.booleans()) and draw(st.booleans()):
        terminator = "\n"
    return element, component, terminator, repetition


@st.composite
def rejections(draw: st.DrawFn, *, dependent: bool) -> list[Rejection]:
    loops = [
        loop
        for loop in REJECTION_LOOP_ORDER
        if loop[-1] in "AB" or loop[-1] == ("D" if dependent else "C") or (dependent and loop == "2100C")
    ]
    picked = draw(st.lists(st.sampled_from(loops), max_size=3))
    picked.sort(key=REJECTION_LOOP_ORDER.index)
    out = []
    for loop in picked:
        code = draw(st.sampled_from(sorted(REJECT_CODES_BY_LOOP[loop])))
        follow_up = draw(st.sampled_from(sorted(FOLLOW_UP_ACTIONS)))
        out.append(Rejection(loop, code, REJECT_REASONS[code], follow_up))
    return out


def _opt(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def responses(draw: st.DrawFn) -> EligibilityResponse:
    dependent = draw(st.booleans())
    active = draw(st.none() | st.booleans())
    known = active is not None  # plan name, auth and network ride on the coverage status lines
    return EligibilityResponse(
        record_id="",
        trace_id=draw(_opt(ids)),
        payer_name=draw(_opt(texts)),
        payer_id=draw(_opt(ids)),
        provider_npi=draw(_opt(npis)),
        member_id=draw(_opt(ids)),
        first_name=draw(_opt(texts)),
        last_name=draw(_opt(texts)),
        dob=draw(_opt(dates)),
        is_dependent=dependent,
        active=active,
        plan_name=draw(_opt(texts)) if known else None,
        group_number=draw(_opt(ids)),
        plan_begin=draw(_opt(dates)),
        plan_end=draw(_opt(dates)),
        copay=draw(_opt(money)),
        coinsurance=draw(_opt(fractions)),
        deductible=draw(_opt(money)),
        deductible_remaining=draw(_opt(money)),
        oop_max=draw(_opt(money)),
        oop_remaining=draw(_opt(money)),
        visit_limit=draw(_opt(st.integers(0, 200))),
        visits_used=draw(_opt(st.integers(0, 300))),
        auth_required=draw(_opt(st.booleans())) if known else None,
        in_network=draw(_opt(st.booleans())) if known else None,
        checked_at=draw(st.sampled_from([date(2025, 3, 3), date(2025, 3, 4)])),
        rejections=draw(rejections(dependent=dependent)),
    )


@st.composite
def inquiries(draw: st.DrawFn) -> EligibilityInquiry:
    return EligibilityInquiry(
        trace_id=draw(ids),
        payer_name=draw(st.sampled_from(["AETNA", "BLUE CROSS TX"])),
        payer_id=draw(st.sampled_from(["60054", "84980"])),
        provider_name=draw(st.sampled_from(["NORTH CLINIC PT", "SOUTH CLINIC PT"])),
        provider_npi=draw(npis),
        first_name=draw(texts),
        last_name=draw(texts),
        member_id=draw(_opt(ids)),
        dob=draw(_opt(dates)),
        service_date=draw(dates),
        service_type=draw(st.sampled_from(["PT", "30", "AE"])),
    )
