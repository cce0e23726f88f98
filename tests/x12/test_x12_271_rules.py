"""How parse_271 reads PT benefits and the loop hierarchy, on hand-written 271 fragments."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.x12.model import Rejection
from orchestration.x12.segments import X12Error
from orchestration.x12.x12_271_parse import parse_271

HEAD = [
    "BHT*0022*11*1*20250303*0815",
    "HL*1**20*1",
    "NM1*PR*2*AETNA*****PI*60054",
    "HL*2*1*21*1",
    "NM1*1P*2*NORTH CLINIC*****XX*1467857193",
]
SUBSCRIBER = ["HL*3*2*22*0", "TRN*2*L1*9000000001", "NM1*IL*1*DOE*PAT****MI*W1", "DMG*D8*19800101*F"]


def envelope(body: list[str]) -> str:
    """Wrap transaction-set body segments (without ST/SE) in a valid envelope."""
    segs = [
        "ISA*00*" + " " * 10 + "*00*" + " " * 10 + "*ZZ*PAYER          *ZZ*PTLEADS        "
        "*250303*0815*^*00501*000000001*0*P*:",
        "GS*HB*PAYER*PTLEADS*20250303*0815*1*X*005010X279A1",
        "ST*271*0001*005010X279A1",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segs) + "~\n"


def one(eb_lines: list[str], member: list[str] = SUBSCRIBER):
    [response] = parse_271(envelope(HEAD + member + eb_lines))
    return response


def test_pt_lines_win_over_plan_level_lines() -> None:
    r = one(["EB*1**30**GOLD PLAN", "EB*6**PT", "EB*B**30***27*20.00", "EB*B**PT***27*40.00"])
    assert r.active is False  # PT itself is not covered although the plan is active
    assert r.plan_name == "GOLD PLAN"  # only the plan-level line names the plan
    assert r.copay == 40.0


def test_plan_level_is_the_fallback_and_other_service_types_are_ignored() -> None:
    r = one(["EB*1**30", "EB*B**30***27*25.00", "EB*B**98***27*15.00", "EB*C**1***23*9999"])
    assert (r.active, r.copay, r.deductible) == (True, 25.0, None)


def test_physical_medicine_and_repetition_lists_count_as_pt() -> None:
    assert one(["EB*B**30***27*20", "EB*B**AE***27*35"]).copay == 35.0
    assert one(["EB*B**30***27*20", "EB*B**98^PT^UC***27*45.00"]).copay == 45.0


def test_in_network_amounts_are_preferred_and_mixed_networks_leave_status_open() -> None:
    lines = ["EB*B**PT***27*60.00*****N", "EB*B**PT***27*30.00*****Y"]
    r = one(lines)
    assert (r.in_network, r.copay) == (None, 30.0)
    r = one(["EB*1**PT*********N", *lines])
    assert (r.in_network, r.copay) == (False, 60.0)
    assert one(["EB*A**PT*****.1****Y"]).in_network is True


def test_individual_amounts_beat_family_amounts() -> None:
    r = one(["EB*C*FAM*PT***23*3000", "EB*C*IND*PT***23*1000", "EB*G*FAM*30***23*8000"])
    assert (r.deductible, r.oop_max) == (1000.0, 8000.0)


def test_deductible_and_out_of_pocket_totals_and_remainders() -> None:
    r = one(["EB*C**PT***23*1500", "EB*C**PT***29*350.25", "EB*G**PT***23*6000", "EB*G**PT***24*1000"])
    assert (r.deductible, r.deductible_remaining) == (1500.0, 350.25)
    assert (r.oop_max, r.oop_remaining) == (6000.0, 5000.0)  # year-to-date met -> remaining


@pytest.mark.parametrize(("percent", "expected"), [("0.2", 0.2), (".15", 0.15), ("20", 0.2), ("1", 1.0)])
def test_coinsurance_is_a_fraction(percent: str, expected: float) -> None:
    assert one([f"EB*A**PT*****{percent}"]).coinsurance == pytest.approx(expected)


def test_visits_used_is_limit_minus_remaining() -> None:
    r = one(["EB*F**PT***23***VS*20", "EB*F**PT***29***VS*12"])
    assert (r.visit_limit, r.visits_used) == (20, 8)


def test_visits_used_from_year_to_date_line_or_message() -> None:
    assert one(["EB*F**PT***23***VS*20", "EB*F**PT***24***VS*5"]).visits_used == 5
    r = one(["EB*F**PT***23***VS*30", "MSG*8 VISITS USED THIS BENEFIT YEAR"])
    assert (r.visit_limit, r.visits_used) == (30, 8)
    assert one(["EB*F**PT***29***VS*12"]).visits_used is None  # remaining alone says nothing


def test_auth_required_reads_eb11() -> None:
    assert one(["EB*1**PT********Y"]).auth_required is True
    assert one(["EB*1**PT********N"]).auth_required is False
    assert one(["EB*1**PT********U"]).auth_required is None


def test_plan_dates_from_member_range_or_coverage_line() -> None:
    member = [*SUBSCRIBER, "DTP*291*RD8*20250101-20251231"]
    r = one(["EB*1**30"], member)
    assert (r.plan_begin, r.plan_end) == (date(2025, 1, 1), date(2025, 12, 31))
    r = one(["EB*1**30", "DTP*346*D8*20240701"])
    assert (r.plan_begin, r.plan_end) == (date(2024, 7, 1), None)


def test_unknown_segments_and_2120_entities_are_skipped() -> None:
    r = one(
        [
            "EB*1**30**GOLD PLAN",
            "HSD*VS*30",
            "III*ZZ*21",
            "LS*2120",
            "NM1*P3*1*JONES*MARCUS****SV*0202034",
            "PER*IC**TE*5125550100",
            "LE*2120",
            "ZZZ*WHATEVER",
            "EB*B**PT***27*10",
        ]
    )
    assert (r.last_name, r.plan_name, r.copay) == ("DOE", "GOLD PLAN", 10.0)


def test_bad_amount_names_element_and_position_only() -> None:
    with pytest.raises(X12Error, match="EB07 at segment 13 is not a decimal number"):
        one(["EB*B**PT***27*SECRET"])


def test_many_members_dependents_and_inherited_rejections() -> None:
    body = [
        "BHT*0022*11*1*20250303*0815",
        "HL*1**20*1",
        "AAA*Y**42*R",  # 2000A: source cannot answer now -> applies to every member below
        "NM1*PR*2*AETNA*****PI*60054",
        "HL*2*1*21*1",
        "NM1*1P*2*NORTH CLINIC*****XX*1467857193",
        "HL*3*2*22*0",
        "NM1*IL*1*ONE*SUB****MI*A1",
        "HL*4*2*22*1",  # subscriber with a dependent and no benefits of its own: not answered
        "NM1*IL*1*TWO*SUB****MI*B2",
        "AAA*N**75*C",
        "HL*5*4*23*0",
        "TRN*2*LEAD5*9000000001",
        "NM1*03*1*TWO*KID",
        "DMG*D8*20150101",
        "HL*6*4*23*0",
        "NM1*03*1*TWO*BABY",
        "AAA*N**67*C",
    ]
    out = parse_271(envelope(body))
    assert [r.record_id for r in out] == ["000000001-0001-1", "000000001-0001-2", "000000001-0001-3"]
    assert [(r.first_name, r.is_dependent, r.member_id) for r in out] == [
        ("SUB", False, "A1"),
        ("KID", True, "B2"),
        ("BABY", True, "B2"),
    ]
    unable = Rejection("2000A", "42", "Unable to Respond at Current Time", "R")
    not_found = Rejection("2100C", "75", "Subscriber/Insured Not Found", "C")
    assert out[0].rejections == [unable]
    assert out[1].rejections == [unable, not_found]
    assert out[2].rejections == [unable, not_found, Rejection("2100D", "67", "Patient Not Found", "C")]
    assert (out[1].trace_id, out[1].dob, out[2].trace_id) == ("LEAD5", date(2015, 1, 1), None)


@pytest.mark.parametrize(
    "bad_hl",
    ["HL*3*9*22*0", "HL*3*1*22*0", "HL*2*1*22*0", "HL*3*2*24*0"],
    ids=["unknown-parent", "parent-wrong-level", "duplicate-id", "unknown-level"],
)
def test_broken_hierarchy_raises(bad_hl: str) -> None:
    with pytest.raises(X12Error, match="HL at segment 9"):
        parse_271(envelope([*HEAD, bad_hl, "NM1*IL*1*DOE*PAT"]))


def test_other_transaction_sets_are_refused() -> None:
    with pytest.raises(X12Error, match="not a 271"):
        parse_271(envelope(HEAD).replace("ST*271", "ST*270"))
