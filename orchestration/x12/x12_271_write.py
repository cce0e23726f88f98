"""Write EligibilityResponse records as an X12 005010X279A1 271 (the generator's payer side).

Layout: one interchange, one functional group (GS*HB), one transaction set per 50 responses (and a
new one whenever checked_at, which is BHT04, changes). Consecutive responses with the same payer,
provider and source/receiver-level rejections share one 2000A/2000B. A subscriber is a 2000C; a
dependent is a 2000C (subscriber id echo) with a 2000D below it. Benefits are written as EB lines
for service type PT, the coverage status also at plan level (30) with the plan name; amounts are
written to the cent. parse_271 reads back what was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
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
from orchestration.x12.model import EligibilityResponse, Rejection

RESPONSES_PER_TRANSACTION = 50
_SHARED_LOOPS = ("2000A", "2100A", "2100B")
_Seg = list[str]


def write_271(
    responses: list[EligibilityResponse],
    path: Path,
    *,
    isa_control: int,
    sender_id: str,
    receiver_id: str,
    created: datetime,
    delimiters: Delims = DEFAULT_DELIMITERS,
    newline: bool = True,
) -> list[str]:
    """Write responses to path as one 271 interchange; returns their record ids in order.

    newline=True puts a line break after each segment terminator (ignored when the terminator is
    itself a line break). Raises ValueError for values that cannot be encoded.
    """
    text, ids = render_271(
        responses,
        isa_control=isa_control,
        sender_id=sender_id,
        receiver_id=receiver_id,
        created=created,
        delimiters=delimiters,
        newline=newline,
    )
    Path(path).write_text(text, encoding="utf-8", newline="")
    return ids


def render_271(
    responses: list[EligibilityResponse],
    *,
    isa_control: int,
    sender_id: str,
    receiver_id: str,
    created: datetime,
    delimiters: Delims = DEFAULT_DELIMITERS,
    newline: bool = True,
) -> tuple[str, list[str]]:
    """The 271 text of write_271 and the record ids, without touching the file system."""
    guard = FieldGuard(delimiters)
    trn03 = originator_id(receiver_id)
    chunks = list(_transaction_chunks(responses, created.date()))
    bodies: list[list[_Seg]] = []
    for chunk_no, (checked, chunk) in enumerate(chunks, start=1):
        bht = ["BHT", "0022", "11", f"{isa_control}{chunk_no:04d}", ymd(checked), created.strftime("%H%M")]
        bodies.append([bht, *_hierarchy(chunk, guard, trn03)])
    text, controls = render_interchange(
        bodies,
        set_id="271",
        functional_id="HB",
        isa_control=isa_control,
        sender_id=sender_id,
        receiver_id=receiver_id,
        created=created,
        delimiters=delimiters,
        newline=newline,
    )
    prefix = f"{isa_control:09d}"
    ids: list[str] = []
    for control, (_, chunk) in zip(controls, chunks, strict=True):
        ids.extend(f"{prefix}-{control}-{i}" for i in range(1, len(chunk) + 1))
    return text, ids


def _transaction_chunks(
    responses: list[EligibilityResponse], default_day: date
) -> Iterator[tuple[date, list[tuple[int, EligibilityResponse]]]]:
    chunk: list[tuple[int, EligibilityResponse]] = []
    day = default_day
    for index, r in enumerate(responses):
        r_day = r.checked_at or default_day
        if chunk and (len(chunk) >= RESPONSES_PER_TRANSACTION or r_day != day):
            yield day, chunk
            chunk = []
        day = r_day
        chunk.append((index, r))
    if chunk:
        yield day, chunk


def _shared(r: EligibilityResponse) -> tuple[Rejection, ...]:
    return tuple(x for x in r.rejections if x.loop in _SHARED_LOOPS)


def _member_less(r: EligibilityResponse) -> bool:
    """A source/receiver-level rejection with no member loop below (e.g. provider not on file)."""
    fields = (r.trace_id, r.member_id, r.first_name, r.last_name, r.dob, r.active, r.plan_name,
              r.group_number, r.plan_begin, r.plan_end, r.copay, r.coinsurance, r.deductible,
              r.deductible_remaining, r.oop_max, r.oop_remaining, r.visit_limit, r.visits_used,
              r.auth_required, r.in_network)  # fmt: skip
    shared = _shared(r)
    return (
        not r.is_dependent
        and bool(shared)
        and len(shared) == len(r.rejections)
        and all(f is None for f in fields)
    )


def _group_key(item: tuple[int, EligibilityResponse]) -> tuple[object, ...]:
    index, r = item
    key = tuple((x.loop, x.code, x.reason, x.follow_up) for x in _shared(r))
    # A member-less response needs a 2000B of its own: the parser answers for a childless receiver.
    return r.payer_name, r.payer_id, r.provider_npi, key, index if _member_less(r) else -1


def _aaa(rejections: list[Rejection], loop: str) -> list[_Seg]:
    out = []
    for x in rejections:
        if x.loop == loop:
            valid = "Y" if x.code in ("41", "42", "80") else "N"  # AAA01: was the request itself valid
            out.append(["AAA", valid, "", x.code, x.follow_up or "C"])
    return out


def _hierarchy(chunk: list[tuple[int, EligibilityResponse]], guard: FieldGuard, trn03: str) -> list[_Seg]:
    segs: list[_Seg] = []
    hl = 0
    for _, group_iter in groupby(chunk, key=_group_key):
        group = list(group_iter)
        index, first = group[0]
        hl += 1
        source_hl = hl
        segs.append(["HL", str(source_hl), "", "20", "1"])
        segs.extend(_aaa(first.rejections, "2000A"))
        payer_id = guard(first.payer_id, "payer_id", index)
        segs.append(["NM1", "PR", "2", guard(first.payer_name, "payer_name", index), "", "", "", "",
                     "PI" if payer_id else "", payer_id])  # fmt: skip
        segs.extend(_aaa(first.rejections, "2100A"))
        hl += 1
        receiver_hl = hl
        has_members = not _member_less(first)
        segs.append(["HL", str(receiver_hl), str(source_hl), "21", "1" if has_members else "0"])
        npi = guard(first.provider_npi, "provider_npi", index)
        segs.append(["NM1", "1P", "2", "", "", "", "", "", "XX" if npi else "", npi])
        segs.extend(_aaa(first.rejections, "2100B"))
        if not has_members:
            continue
        for index, r in group:
            hl = _member(segs, r, index, hl, receiver_hl, guard, trn03)
    return segs


def _member(
    segs: list[_Seg], r: EligibilityResponse, index: int, hl: int, parent: int, guard: FieldGuard, trn03: str
) -> int:
    member_id = guard(r.member_id, "member_id", index)
    id_elements = ["MI", member_id] if member_id else []
    hl += 1
    segs.append(["HL", str(hl), str(parent), "22", "1" if r.is_dependent else "0"])
    if r.is_dependent:
        # The subscriber loop echoes the policy id; the patient is the dependent below.
        segs.append(["NM1", "IL", "1", "", "", "", "", "", *id_elements])
        segs.extend(_aaa(r.rejections, "2100C"))
        hl += 1
        segs.append(["HL", str(hl), str(hl - 1), "23", "0"])
    trace = guard(r.trace_id, "trace_id", index)
    if trace:
        segs.append(["TRN", "2", trace, trn03])
    last = guard(r.last_name, "last_name", index)
    first = guard(r.first_name, "first_name", index)
    if r.is_dependent:
        segs.append(["NM1", "03", "1", last, first])
    else:
        segs.append(["NM1", "IL", "1", last, first, "", "", "", *id_elements])
    if r.group_number:
        segs.append(["REF", "6P", guard(r.group_number, "group_number", index)])
    segs.extend(_aaa(r.rejections, "2100D" if r.is_dependent else "2100C"))
    if r.dob is not None:
        segs.append(["DMG", "D8", ymd(r.dob)])
    if r.plan_begin is not None:
        segs.append(["DTP", "346", "D8", ymd(r.plan_begin)])
    if r.plan_end is not None:
        segs.append(["DTP", "347", "D8", ymd(r.plan_end)])
    benefits = _benefit_lines(r, guard, index)
    benefit_rejections = _aaa(r.rejections, "2110D" if r.is_dependent else "2110C")
    if benefit_rejections and not benefits:
        benefits = [["EB", "V", "IND", "PT"]]  # V = cannot process: the AAA needs an EB to hang on
    if benefits:
        segs.append(benefits[0])
        segs.extend(benefit_rejections)
        segs.extend(benefits[1:])
    return hl


def _money(value: float) -> str:
    return f"{value:.2f}"


def _fraction(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _yn(value: bool | None) -> str:
    return "" if value is None else ("Y" if value else "N")


def _benefit_lines(r: EligibilityResponse, guard: FieldGuard, index: int) -> list[_Seg]:
    """EB lines for service type PT (status also at plan level 30, with the plan name)."""
    auth, net = _yn(r.auth_required), _yn(r.in_network)

    def pt(code: str, period: str = "", amount: str = "", percent: str = "", qty: str = "") -> _Seg:
        return ["EB", code, "IND", "PT", "", "", period, amount, percent, "VS" if qty else "", qty, auth, net]

    lines: list[_Seg] = []
    if r.active is not None:
        status = "1" if r.active else "6"
        lines.append(["EB", status, "IND", "30", "", guard(r.plan_name, "plan_name", index)])
        lines.append(pt(status))
    elif r.plan_name is not None:
        raise ValueError(f"plan_name of record {index} needs a known coverage status (active)")
    if r.copay is not None:
        lines.append(pt("B", "27", _money(r.copay)))
    if r.coinsurance is not None:
        lines.append(pt("A", percent=_fraction(r.coinsurance)))
    for code, total, remaining in (
        ("C", r.deductible, r.deductible_remaining),
        ("G", r.oop_max, r.oop_remaining),
    ):
        if total is not None:
            lines.append(pt(code, "23", _money(total)))
        if remaining is not None:
            lines.append(pt(code, "29", _money(remaining)))
    if r.visit_limit is not None:
        lines.append(pt("F", "23", qty=str(r.visit_limit)))
    if r.visits_used is not None:
        if r.visit_limit is not None and 0 <= r.visits_used <= r.visit_limit:
            lines.append(pt("F", "29", qty=str(r.visit_limit - r.visits_used)))  # visits remaining
        else:
            lines.append(pt("F", "24", qty=str(r.visits_used)))  # used, year to date
    if (auth or net) and not any(line[3] == "PT" for line in lines):
        raise ValueError(f"auth_required/in_network of record {index} need at least one PT benefit line")
    return lines
