"""Conformance suite: the 005010X279A1 implementation guide's worked examples (tests/fixtures/x12).

Expected values were read off each file by a person, not produced by the parser. Note on copays:
the examples' EB*B lines ($10 in network / $30 out) are for service types 1, 33, 35, 47, 86, 88,
98, AL, MH, UC, none of which is PT (physical therapy), AE (physical medicine) or 30 (plan level),
so the PT summary has no copay, coinsurance or deductible for them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.x12.model import EligibilityInquiry, EligibilityResponse, Rejection
from orchestration.x12.segments import X12Error
from orchestration.x12.x12_270_parse import parse_270
from orchestration.x12.x12_271_parse import parse_271

FIXTURES = Path(__file__).parents[1] / "fixtures" / "x12" / "implementation_guide"
P271 = "src_tests_resources_271_005010X279A1_"
P270 = "src_tests_resources_270_005010X279A1_"


def _read(name: str) -> str:
    return (FIXTURES / name).read_text()


# JOHN SMITH, subscriber of ABC COMPANY's GOLD 123 PLAN (same content in two files).
JOHN_SMITH = EligibilityResponse(
    record_id="000000907-4321-1",
    trace_id="93175-012547",
    payer_name="ABC COMPANY",
    payer_id="841610001",
    provider_npi=None,  # BONE AND JOIN CLINIC is identified by SV 2000035, not an NPI
    member_id="123456789",
    first_name="JOHN",
    last_name="SMITH",
    dob=date(1963, 5, 19),
    is_dependent=False,
    active=True,
    plan_name="GOLD 123 PLAN",
    plan_begin=date(2006, 1, 1),
    checked_at=date(2006, 5, 1),
)

EXPECTED_271: dict[str, list[EligibilityResponse]] = {
    "demo-file_demo.271": [JOHN_SMITH],
    P271 + "subscriber-health-benefit-check.271": [JOHN_SMITH],
    P271 + "subscriber.271": [
        EligibilityResponse(
            record_id="000000907-0001-1",
            trace_id="930000000000",
            payer_name="PAYER C",
            payer_id="12345",
            provider_npi="1467857193",
            member_id="00000000001",
            first_name="JOHN",
            last_name="DOE",
            dob=date(1970, 1, 1),
            active=True,
            plan_name="GOLD 123 PLAN",
            plan_begin=date(2021, 1, 1),
            checked_at=date(2013, 10, 31),
        )
    ],
    # MARY SMITH, dependent of JOHN SMITH: no id of her own, so the subscriber's id.
    P271 + "dependent-health-benefit-check.271": [
        EligibilityResponse(
            record_id="000000907-4321-1",
            trace_id="93175-012547",
            payer_name="ABC COMPANY",
            payer_id="841610001",
            provider_npi=None,
            member_id="123456789",
            first_name="MARY",
            last_name="SMITH",
            dob=date(1998, 10, 14),
            is_dependent=True,
            active=True,
            plan_name="GOLD 123 PLAN",
            plan_begin=date(2006, 1, 1),
            checked_at=date(2006, 5, 1),
        )
    ],
    # JAMES DOE junior (born 2015), dependent of JAMES DOE, with an id of his own.
    P271 + "dependent.271": [
        EligibilityResponse(
            record_id="000000907-0001-1",
            trace_id="930000000000",
            payer_name="PAYER C",
            payer_id="12345",
            provider_npi="1467857193",
            member_id="00000000002",
            first_name="JAMES",
            last_name="DOE",
            dob=date(2015, 1, 1),
            is_dependent=True,
            active=True,
            plan_name="GOLD 123 PLAN",
            plan_begin=date(2021, 1, 1),
            checked_at=date(2013, 10, 31),
        )
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_271))
def test_271_examples_read_as_a_person_reads_them(name: str) -> None:
    assert parse_271(_read(name)) == EXPECTED_271[name]


def test_271_error_example_has_a_bad_se02_and_a_receiver_rejection() -> None:
    text = _read(P271 + "subscriber-health-benefit-check-error.271")
    # The file's SE02 (4323) differs from its ST02 (4321): strict parsing refuses it ...
    with pytest.raises(X12Error, match="SE02 at segment 10 does not match ST02 at segment 3"):
        parse_271(text)
    # ... lenient parsing reads the AAA at 2100B: provider ineligible, do not resubmit.
    assert parse_271(text, strict=False) == [
        EligibilityResponse(
            record_id="000000907-4321-1",
            trace_id=None,
            payer_name="ABC COMPANY",
            payer_id="842610001",
            provider_npi=None,
            member_id=None,
            first_name=None,
            last_name=None,
            dob=None,
            checked_at=date(2006, 5, 1),
            rejections=[Rejection("2100B", "50", "Provider Ineligible for Inquiries", "N")],
        )
    ]


def test_271_reads_the_same_on_one_line_with_other_delimiters() -> None:
    text = _read("demo-file_demo.271")
    # '*' -> '|', ':' -> '>', '~\n' -> "'" and '^' (repetition) -> '{': one line, other delimiters.
    swapped = text.replace("*", "|").replace(":", ">").replace("^", "{").replace("~\n", "'").replace("~", "'")
    assert "\n" not in swapped.strip()
    assert parse_271(swapped) == [JOHN_SMITH]


def test_every_example_file_parses() -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.27?"))
    assert len(names) == 12
    for name in names:
        parse = parse_271 if name.endswith(".271") else parse_270
        assert parse(_read(name), strict="error" not in name), name


ROBERT_SMITH = EligibilityInquiry(
    trace_id="93175-012547",
    payer_name="ABC COMPANY",
    payer_id="842610001",
    provider_name="BONE AND JOINT CLINIC",
    provider_npi="",  # SV 2000035 is not an NPI
    first_name="ROBERT",
    last_name="SMITH",
    member_id="11122333301",
    dob=date(1943, 5, 19),
    service_date=date(2006, 5, 1),
    service_type="30",
)

EXPECTED_270: dict[str, list[EligibilityInquiry]] = {
    "demo-file_demo.270": [ROBERT_SMITH],
    "demo-file_demo-single-line.270": [ROBERT_SMITH],
    P270 + "subscriber-health-benefit-check.270": [ROBERT_SMITH],
    P270 + "dependent-health-benefit-check.270": [
        EligibilityInquiry(
            trace_id="93175-012547",
            payer_name="ABC COMPANY",
            payer_id="842610001",
            provider_name="MARCUS JONES",
            provider_npi="",
            first_name="MARY",
            last_name="SMITH",
            member_id="11122333301",  # the subscriber's id; the dependent has none
            dob=date(1978, 10, 14),
            service_date=date(2006, 5, 1),
            service_type="30",
        )
    ],
    P270 + "dependent-commercial-health-insurance.270": [
        EligibilityInquiry(
            trace_id="930000000000",
            payer_name="PAYER C",
            payer_id="12345",
            provider_name="JOHN DOE",
            provider_npi="1467857193",
            first_name="JANE",
            last_name="DOE",
            member_id="00000000001",
            dob=date(1970, 1, 1),
            service_date=date(2013, 10, 31),
            service_type="30",
        )
    ],
    P270 + "subscriber-drug-in-office.270": [
        EligibilityInquiry(
            trace_id="930000000000",
            payer_name="PAYER C",
            payer_id="12345",
            provider_name="JOHN DOE",
            provider_npi="1467857193",
            first_name="JOHN",
            last_name="DOE",
            member_id="00000000001",
            dob=date(1970, 1, 1),
            service_date=date(2013, 10, 31),
            service_type="30",
        )
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_270))
def test_270_examples_read_as_a_person_reads_them(name: str) -> None:
    assert parse_270(_read(name)) == EXPECTED_270[name]
