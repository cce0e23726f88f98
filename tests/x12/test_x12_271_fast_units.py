"""The 271 bulk reader's fast path (x12_271_bulk_units.read_usual_transaction) against the transaction reader
it stands in for (x12_271_bulk_levels.read_transaction) and against the oracle (parse_271 + to_row).

Properties: on any transaction the fast path either declines (False) or gives exactly read_transaction's rows
(it never gives rows where read_transaction raises); on random valid usual transactions -- payer, provider
and subscribers with the usual head, AAA rejections, EB lines, any delimiters -- it does not decline, and the
whole file reads as the oracle reads it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from x12_strategies import delimiter_sets

from orchestration.ingest.eligibility import RESPONSES, to_row
from orchestration.ingest.tuple_rows import as_tuple
from orchestration.x12.segments import Delimiters, X12Error
from orchestration.x12.x12_271_bulk import bulk_271_rows
from orchestration.x12.x12_271_bulk_levels import memo_for, read_transaction
from orchestration.x12.x12_271_bulk_units import read_usual_transaction
from orchestration.x12.x12_271_parse import parse_271

_VALUES = ["", "L1", "DOE", "W 1", "0", "2", "ACME HEALTH"]
_DOBS = ["19800101", "20000229"]
_DATES = [
    "DTP*346*D8*20250101",
    "DTP*347*D8*20251231",
    "DTP*291*RD8*20250101-20251231",
    "DTP*307*D8*20250601",
]
_AAA = ["AAA*N**72*C", "AAA*Y**75*", "AAA*N**ZZ*R", "AAA*N**58"]


@st.composite
def eb_line(draw: st.DrawFn) -> str:
    """EB lines several of which compete for one field (tier, network, FAM, period, order)."""
    code = draw(st.sampled_from(["1", "6", "B", "A", "C", "G", "F", "V"]))
    level = draw(st.sampled_from(["IND", "FAM", ""]))
    stype = draw(st.sampled_from(["PT", "30", "AE", "1", "PT^30"]))
    plan = draw(st.sampled_from(["", "GOLD PLAN"]))
    period = draw(st.sampled_from(["", "23", "29", "24", "27"]))
    amount = draw(st.sampled_from(["", "10", "20.50", "2498.14", "0.00"]))
    percent = draw(st.sampled_from(["", "0.2", "20", "0"]))
    quantity = draw(st.sampled_from(["**", "VS*5", "VS*9", "DY*3"]))
    flags = draw(st.sampled_from(["", "*Y", "*N*Y", "*Y*N", "**Y", "*N*N"]))
    line = f"EB*{code}*{level}*{stype}**{plan}*{period}*{amount}*{percent}*{quantity}{flags}"
    return line[: len(line) - draw(st.integers(0, 3))].rstrip("*") if draw(st.booleans()) else line


@st.composite
def subscriber(draw: st.DrawFn, hl: str, parent: str) -> list[str]:
    """A subscriber level in the usual order: TRN 2, NM1 (9+ elements), AAAs, REF 6P, DMG D8, DTPs, EBs."""
    value = st.sampled_from(_VALUES)
    hl_tail = draw(st.sampled_from(["*0", "*1", "", "*0*X"]))
    segs = [f"HL*{hl}*{parent}*22{hl_tail}"]
    if draw(st.booleans()):
        segs.append("*".join(["TRN", "2", draw(value), *draw(st.lists(value, max_size=2))]))
    nm1 = ["NM1", "IL", "1", draw(value), draw(value), draw(value), "", "", draw(st.sampled_from(["MI", ""]))]
    segs.append("*".join([*nm1, draw(value), *draw(st.lists(value, max_size=2))]))
    segs += draw(st.lists(st.sampled_from(_AAA), max_size=2))
    if draw(st.booleans()):
        segs.append("*".join(["REF", "6P", draw(value), *draw(st.lists(value, max_size=1))]))
    if draw(st.booleans()):
        segs.append("DMG*D8*" + draw(st.sampled_from(_DOBS)) + draw(st.sampled_from(["", "*F"])))
    segs += draw(st.lists(st.sampled_from(_DATES), max_size=3))
    segs += draw(st.lists(eb_line(), max_size=8))
    return segs


@st.composite
def usual_body(draw: st.DrawFn) -> list[str]:
    """Units of payer, provider and 1-3 subscribers; HL ids unique (sequential or not), parents given or
    left empty."""
    ids = iter(draw(st.lists(st.integers(1, 999), min_size=40, max_size=40, unique=True)))
    body: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        payer, provider = str(next(ids)), str(next(ids))
        name = draw(st.sampled_from(["ACME HEALTH", "", "MEDICARE B"]))
        body += [f"HL*{payer}**20*1", f"NM1*PR*2*{name}*****PI*" + draw(st.sampled_from(["12345", ""]))]
        npi = draw(st.sampled_from(["XX*1467857193", "SV*2000035", ""]))
        body += [f"HL*{provider}*{draw(st.sampled_from([payer, '']))}*21*1", f"NM1*1P*2*CLINIC*****{npi}"]
        for _ in range(draw(st.integers(1, 3))):
            body += draw(subscriber(str(next(ids)), draw(st.sampled_from([provider, ""]))))
    return body


_FAULTS = [
    "duplicate HL id", "wrong parent", "provider AAA", "extra segment", "dependent", "bad date",
    "LS after EB", "no BHT", "payer PER",
]  # fmt: skip


def _with_fault(body: list[str], fault: str, at: int) -> list[str]:
    """The body with one thing the fast path does not take (or must check), at about position `at`."""
    hls = [i for i, s in enumerate(body) if s.startswith("HL*")]
    i = hls[at % len(hls)]
    if fault == "duplicate HL id":  # the last subscriber takes the id of a level before it
        e = body[hls[-1]].split("*")
        e[1] = body[hls[at % (len(hls) - 1)] if len(hls) > 1 else hls[0]].split("*")[1]
        return [*body[: hls[-1]], "*".join(e), *body[hls[-1] + 1 :]]
    if fault == "wrong parent":
        e = body[i].split("*")
        e[2] = "998" if e[3] != "20" else e[2]
        return [*body[:i], "*".join(e), *body[i + 1 :]]
    if fault == "provider AAA":
        return [*body[:2], "AAA*N**42*R", *body[2:]] if len(body) > 2 else body
    if fault == "extra segment":
        return [*body[: i + 1], "INS*Y*18", *body[i + 1 :]]
    if fault == "dependent":
        return [*body, "HL*999*" + body[hls[-1]].split("*")[1] + "*23*0", "NM1*03*1*DOE*KID"]
    if fault == "bad date":
        return [
            *body,
            "HL*997*" + body[hls[-1]].split("*")[1] + "*22*0",
            "NM1*IL*1*A*B****MI*C",
            "DMG*D8*19800230",
        ]
    if fault == "LS after EB":
        return [*body, "EB*1*IND*30", "LS*2120", "NM1*P3*1*DOC", "LE*2120"]
    if fault == "payer PER":
        return [*body[:2], "PER*IC*PHONE", *body[2:]]
    return body  # "no BHT": see _segments


def _segments(body: list[str], d: tuple[str, str, str, str], *, bht: bool = True) -> str:
    """body's segments with delimiters d, each after its terminator, as _interchange cuts a transaction."""
    element, _, term, repetition = d
    segs = (["BHT*0022*11*1*20250301*0800"] if bht else []) + body
    swap = str.maketrans({"*": element, "^": repetition})  # "PT^30": a repeated EB03
    return "".join(term + s.translate(swap) for s in segs)


def _interchange(body: list[str], d: tuple[str, str, str, str]) -> str:
    element, component, term, repetition = d
    segs = ["ST*271*0001*005010X279A1", "BHT*0022*11*1*20250301*0800", *body]
    segs.append(f"SE*{len(segs) + 1}*0001")
    isa = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PTLEADS        *250301*0800*^*00501*"
    isa += "000000007*0*P*"
    segs = [isa, "GS*HB*PAYER*PTLEADS*20250301*0800*7*X*005010X279A1", *segs, "GE*1*7", "IEA*1*000000007"]
    swap = str.maketrans({"*": element, "^": repetition})
    text = term.join(s.translate(swap) for s in segs) + term
    return text.replace(term, component + term, 1)  # ISA16, the component separator, ends the ISA


def _general(body: str, memo) -> list[tuple] | str:
    out: list[tuple] = []
    try:
        read_transaction(body, "7-0001-", memo, out)
    except Exception as exc:  # NotBulk, ValueError...: the file would go to parse_271
        return type(exc).__name__
    return out


def _oracle(text: str) -> list[tuple] | str:
    try:
        return [as_tuple(RESPONSES, to_row(r)) for r in parse_271(text, strict=True)]
    except X12Error as exc:
        return f"X12Error: {exc}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=usual_body(), d=delimiter_sets())
def test_usual_transactions_take_the_fast_path_with_the_general_rows(body: list[str], d: tuple) -> None:
    memo = memo_for(Delimiters(*d))
    cut = _segments(body, d)
    fast: list[tuple] = []
    assert read_usual_transaction(cut, 0, len(cut), "7-0001-", memo, fast), "a usual transaction was declined"
    assert fast == _general(cut, memo)
    text = _interchange(body, d)
    assert bulk_271_rows(text) == _oracle(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=usual_body(), d=delimiter_sets(), fault=st.sampled_from(_FAULTS), at=st.integers(0, 20))
def test_the_fast_path_declines_or_gives_the_general_rows(
    body: list[str], d: tuple, fault: str, at: int
) -> None:
    memo = memo_for(Delimiters(*d))
    cut = _segments(_with_fault(body, fault, at), d, bht=fault != "no BHT")
    fast: list[tuple] = []
    try:
        took = read_usual_transaction(cut, 0, len(cut), "7-0001-", memo, fast)
    except Exception as exc:  # the file goes to parse_271: only where read_transaction sends it there too
        assert isinstance(_general(cut, memo), str), f"fast path raised {type(exc).__name__}"
        return
    if took:
        assert fast == _general(cut, memo)
    else:
        assert fast == []
