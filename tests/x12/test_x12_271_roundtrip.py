"""write_271 -> parse_271 round trips, transaction-set layout and what the writer refuses."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from x12_strategies import delimiter_sets, responses

from orchestration.x12.model import EligibilityResponse, Rejection
from orchestration.x12.segments import parse_interchanges
from orchestration.x12.x12_271_parse import parse_271
from orchestration.x12.x12_271_write import render_271, write_271

CREATED = datetime(2025, 3, 3, 8, 15)
ENVELOPE = {"isa_control": 123, "sender_id": "PAYERSIM", "receiver_id": "PTLEADS", "created": CREATED}


def _with_ids(items: list[EligibilityResponse], ids: list[str]) -> list[EligibilityResponse]:
    return [dataclasses.replace(r, record_id=i) for r, i in zip(items, ids, strict=True)]


def _subscriber(n: int, **changes: object) -> EligibilityResponse:
    base = EligibilityResponse(
        record_id="",
        trace_id=f"L{n:05d}",
        payer_name="AETNA",
        payer_id="60054",
        provider_npi="1467857193",
        member_id=f"W{n:08d}",
        first_name="PAT",
        last_name=f"DOE{n}",
        dob=date(1980, 1, 1),
        active=True,
        plan_name="CHOICE POS II",
        copay=40.0,
        coinsurance=0.2,
        deductible=1500.0,
        deductible_remaining=350.25,
        visit_limit=30,
        visits_used=4,
        auth_required=False,
        in_network=True,
        checked_at=date(2025, 3, 3),
    )
    return dataclasses.replace(base, **changes)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(responses(), min_size=1, max_size=8),
    delimiters=delimiter_sets(),
    newline=st.booleans(),
)
def test_parse_returns_what_was_written(items, delimiters, newline) -> None:
    text, ids = render_271(items, delimiters=delimiters, newline=newline, **ENVELOPE)
    assert parse_271(text) == _with_ids(items, ids)


def test_write_271_writes_the_file_and_returns_ids(tmp_path: Path) -> None:
    items = [_subscriber(1), _subscriber(2, is_dependent=True, member_id=None)]
    path = tmp_path / "eligibility.271"
    ids = write_271(items, path, **ENVELOPE)
    assert ids == ["000000123-0001-1", "000000123-0001-2"]
    text = path.read_text()
    assert text.startswith("ISA*00*")
    assert all(line.endswith("~") and line.count("~") == 1 for line in text.splitlines())  # a segment a line
    assert "GS*HB*PAYERSIM*PTLEADS*20250303*0815*123*X*005010X279A1~" in text
    assert "BHT*0022*11*" in text
    assert "TRN*2*L00001*" in text
    assert "EB*A*IND*PT*****0.2***N*Y~" in text  # co-insurance as a decimal fraction
    assert parse_271(text) == _with_ids(items, ids)


def test_one_transaction_set_per_fifty_responses_and_per_response_date() -> None:
    items = [_subscriber(n) for n in range(120)]
    items += [_subscriber(200, checked_at=date(2025, 3, 4))]
    text, ids = render_271(items, **ENVELOPE)
    [ix] = parse_interchanges(text)
    transactions = ix.groups[0].transactions
    assert [ts.control_number for ts in transactions] == ["0001", "0002", "0003", "0004"]
    assert [ids.count(i) for i in ids] == [1] * len(ids)
    assert ids[49:52] == ["000000123-0001-50", "000000123-0002-1", "000000123-0002-2"]
    assert ids[-1] == "000000123-0004-1"
    parsed = parse_271(text)
    assert [r.record_id for r in parsed] == ids
    assert parsed[-1].checked_at == date(2025, 3, 4)


def test_consecutive_responses_share_source_and_receiver_levels() -> None:
    items = [_subscriber(1), _subscriber(2), _subscriber(3, payer_name="CIGNA", payer_id="62308")]
    text, _ = render_271(items, **ENVELOPE)
    assert text.count("*20*1~") == 2  # two information sources (HL 20)
    assert text.count("*21*1~") == 2


def test_receiver_rejection_without_member_round_trips() -> None:
    rejected = EligibilityResponse(
        record_id="",
        trace_id=None,
        payer_name="AETNA",
        payer_id="60054",
        provider_npi="1467857193",
        member_id=None,
        first_name=None,
        last_name=None,
        dob=None,
        checked_at=date(2025, 3, 3),
        rejections=[Rejection("2100B", "51", "Provider Not on File", "N")],
    )
    items = [_subscriber(1), rejected, _subscriber(2)]
    text, ids = render_271(items, **ENVELOPE)
    assert "*21*0~" in text  # the rejected receiver has no subscriber below it
    assert parse_271(text) == _with_ids(items, ids)


def test_subscriber_rejection_echoes_the_subscriber() -> None:
    r = _subscriber(
        7,
        active=None,
        plan_name=None,
        copay=None,
        coinsurance=None,
        deductible=None,
        deductible_remaining=None,
        visit_limit=None,
        visits_used=None,
        auth_required=None,
        in_network=None,
        rejections=[Rejection("2100C", "72", "Invalid/Missing Subscriber/Insured ID", "C")],
    )
    text, ids = render_271([r], **ENVELOPE)
    lines = text.splitlines()
    nm1 = next(i for i, line in enumerate(lines) if line.startswith("NM1*IL"))
    assert lines[nm1] == "NM1*IL*1*DOE7*PAT****MI*W00000007~"
    assert lines[nm1 + 1] == "AAA*N**72*C~"
    assert "EB*" not in text
    assert parse_271(text) == _with_ids([r], ids)


@pytest.mark.parametrize("field", ["first_name", "member_id", "payer_name", "trace_id"])
def test_values_holding_a_delimiter_are_refused_without_echoing_them(field: str) -> None:
    item = _subscriber(1, **{field: "SMITH~JONES"})
    with pytest.raises(ValueError, match=f"{field} of record 0") as info:
        render_271([item], **ENVELOPE)
    assert "SMITH" not in str(info.value)


def test_plan_name_without_coverage_status_is_refused() -> None:
    with pytest.raises(ValueError, match="plan_name of record 0"):
        render_271([_subscriber(1, active=None)], **ENVELOPE)


@pytest.mark.parametrize(
    "delimiters",
    [("*", "*", "~", "^"), ("*", ":", "~"), ("A", ":", "~", "^"), ("*", ":", " ", "^")],
)
def test_bad_delimiters_are_refused(delimiters) -> None:
    with pytest.raises(ValueError):
        render_271([_subscriber(1)], delimiters=delimiters, **ENVELOPE)


@pytest.mark.slow
def test_ten_thousand_responses_parse_back_in_order() -> None:
    items = [
        _subscriber(n, is_dependent=n % 9 == 0, payer_name=("AETNA", "CIGNA")[n // 7 % 2], visits_used=n % 30)
        for n in range(10_000)
    ]
    text, ids = render_271(items, **ENVELOPE)
    parsed = parse_271(text)
    assert [r.record_id for r in parsed] == ids
    assert len(set(ids)) == 10_000
    assert parsed == _with_ids(items, ids)
