"""Write EligibilityInquiry records as an X12 005010X279A1 270 (what the system sends to payers).

One interchange, one functional group (GS*HS), one transaction set per 50 inquiries. Consecutive
inquiries to the same payer from the same provider share one 2000A/2000B. Each inquiry is a
subscriber loop: TRN*1*<trace id = lead id>*<originator>, NM1*IL (MI member id), DMG*D8, DTP*291
service date, EQ service type. parse_270 (x12_270_parse.py) reads it back.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from pathlib import Path

from orchestration.x12.envelope import (
    DEFAULT_DELIMITERS,
    Delims,
    FieldGuard,
    originator_id,
    render_interchange,
    ymd,
)
from orchestration.x12.model import EligibilityInquiry

INQUIRIES_PER_TRANSACTION = 50
_Seg = list[str]


def write_270(
    inquiries: list[EligibilityInquiry],
    path: Path,
    *,
    isa_control: int,
    sender_id: str,
    receiver_id: str,
    created: datetime,
    delimiters: Delims = DEFAULT_DELIMITERS,
    newline: bool = True,
) -> None:
    """Write inquiries to path as one 270 interchange. Raises ValueError for unencodable values."""
    text = render_270(
        inquiries,
        isa_control=isa_control,
        sender_id=sender_id,
        receiver_id=receiver_id,
        created=created,
        delimiters=delimiters,
        newline=newline,
    )
    Path(path).write_text(text, encoding="utf-8", newline="")


def render_270(
    inquiries: list[EligibilityInquiry],
    *,
    isa_control: int,
    sender_id: str,
    receiver_id: str,
    created: datetime,
    delimiters: Delims = DEFAULT_DELIMITERS,
    newline: bool = True,
) -> str:
    """The 270 text of write_270, without touching the file system."""
    guard = FieldGuard(delimiters)
    trn03 = originator_id(sender_id)
    indexed = list(enumerate(inquiries))
    bodies: list[list[_Seg]] = []
    for start in range(0, len(indexed), INQUIRIES_PER_TRANSACTION):
        chunk = indexed[start : start + INQUIRIES_PER_TRANSACTION]
        st_no = start // INQUIRIES_PER_TRANSACTION + 1
        bht = ["BHT", "0022", "13", f"{isa_control}{st_no:04d}", ymd(created), created.strftime("%H%M")]
        bodies.append([bht, *_hierarchy(chunk, guard, trn03)])
    text, _ = render_interchange(
        bodies,
        set_id="270",
        functional_id="HS",
        isa_control=isa_control,
        sender_id=sender_id,
        receiver_id=receiver_id,
        created=created,
        delimiters=delimiters,
        newline=newline,
    )
    return text


def _group_key(item: tuple[int, EligibilityInquiry]) -> tuple[str, ...]:
    q = item[1]
    return q.payer_name, q.payer_id, q.provider_name, q.provider_npi


def _hierarchy(chunk: list[tuple[int, EligibilityInquiry]], guard: FieldGuard, trn03: str) -> list[_Seg]:
    segs: list[_Seg] = []
    hl = 0
    for _, group_iter in groupby(chunk, key=_group_key):
        group = list(group_iter)
        index, q = group[0]
        hl += 1
        source_hl = hl
        segs.append(["HL", str(source_hl), "", "20", "1"])
        segs.append(["NM1", "PR", "2", guard(q.payer_name, "payer_name", index), "", "", "", "", "PI",
                     guard(q.payer_id, "payer_id", index)])  # fmt: skip
        hl += 1
        receiver_hl = hl
        segs.append(["HL", str(receiver_hl), str(source_hl), "21", "1"])
        segs.append(["NM1", "1P", "2", guard(q.provider_name, "provider_name", index), "", "", "", "", "XX",
                     guard(q.provider_npi, "provider_npi", index)])  # fmt: skip
        for index, q in group:
            hl += 1
            segs.append(["HL", str(hl), str(receiver_hl), "22", "0"])
            segs.append(["TRN", "1", guard(q.trace_id, "trace_id", index), trn03])
            member_id = guard(q.member_id, "member_id", index)
            segs.append(["NM1", "IL", "1", guard(q.last_name, "last_name", index),
                         guard(q.first_name, "first_name", index), "", "", "",
                         *(["MI", member_id] if member_id else [])])  # fmt: skip
            if q.dob is not None:
                segs.append(["DMG", "D8", ymd(q.dob)])
            segs.append(["DTP", "291", "D8", ymd(q.service_date)])
            segs.append(["EQ", guard(q.service_type, "service_type", index)])
    return segs
