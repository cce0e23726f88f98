"""write_270 -> parse_270 round trips and the shape of the 270 the system sends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x12_strategies import delimiter_sets, inquiries

from orchestration.x12.model import EligibilityInquiry
from orchestration.x12.segments import parse_interchanges
from orchestration.x12.x12_270_parse import parse_270
from orchestration.x12.x12_270_write import render_270, write_270

ENVELOPE = {
    "isa_control": 77,
    "sender_id": "PTLEADS01",
    "receiver_id": "AETNA",
    "created": datetime(2025, 3, 3, 7, 5),
}


def _inquiry(n: int, **changes: object) -> EligibilityInquiry:
    values: dict[str, object] = {
        "trace_id": f"lead-{n}",
        "payer_name": "AETNA",
        "payer_id": "60054",
        "provider_name": "NORTH CLINIC PT",
        "provider_npi": "1467857193",
        "first_name": "PAT",
        "last_name": f"DOE{n}",
        "member_id": f"W{n:08d}",
        "dob": date(1980, 1, 1),
        "service_date": date(2025, 3, 4),
    }
    values.update(changes)
    return EligibilityInquiry(**values)  # type: ignore[arg-type]


@settings(max_examples=40)
@given(
    items=st.lists(inquiries(), min_size=1, max_size=8),
    delimiters=delimiter_sets(),
    newline=st.booleans(),
)
def test_parse_270_returns_what_was_written(items, delimiters, newline) -> None:
    text = render_270(items, delimiters=delimiters, newline=newline, **ENVELOPE)
    assert parse_270(text) == items


def test_write_270_segments(tmp_path: Path) -> None:
    path = tmp_path / "inquiries.270"
    write_270([_inquiry(1), _inquiry(2, member_id=None, dob=None)], path, **ENVELOPE)
    lines = path.read_text().splitlines()
    assert lines[1] == "GS*HS*PTLEADS01*AETNA*20250303*0705*77*X*005010X279A1~"
    assert lines[2] == "ST*270*0001*005010X279A1~"
    assert lines[3].startswith("BHT*0022*13*")
    body = lines[4:-3]
    assert body[:4] == [
        "HL*1**20*1~",
        "NM1*PR*2*AETNA*****PI*60054~",
        "HL*2*1*21*1~",
        "NM1*1P*2*NORTH CLINIC PT*****XX*1467857193~",
    ]
    assert body[4:10] == [
        "HL*3*2*22*0~",
        "TRN*1*lead-1*9000000001~",  # originator: '9' + 9 digits of the sender id
        "NM1*IL*1*DOE1*PAT****MI*W00000001~",
        "DMG*D8*19800101~",
        "DTP*291*D8*20250304~",
        "EQ*PT~",
    ]
    assert body[10:] == ["HL*4*2*22*0~", "TRN*1*lead-2*9000000001~", "NM1*IL*1*DOE2*PAT~",
                         "DTP*291*D8*20250304~", "EQ*PT~"]  # fmt: skip
    assert lines[-3] == f"SE*{len(body) + 3}*0001~"


def test_fifty_inquiries_per_transaction_set_and_payer_levels_shared() -> None:
    items = [_inquiry(n, payer_name="CIGNA" if n >= 60 else "AETNA") for n in range(70)]
    text = render_270(items, **ENVELOPE)
    [ix] = parse_interchanges(text)
    assert [len(ts.segments) for ts in ix.groups[0].transactions] == [2 + 1 + 4 + 50 * 6, 2 + 1 + 8 + 20 * 6]
    assert parse_270(text) == items


def test_value_with_delimiter_is_refused() -> None:
    with pytest.raises(ValueError, match="last_name of record 0"):
        render_270([_inquiry(1, last_name="O*BRIEN")], **ENVELOPE)
