"""The 271 bulk reader's group run (x12_271_bulk_units.read_usual_group: a functional group's usual
transactions in one regex pass) against the transaction-by-transaction walk it stands in for and against the
oracle (parse_271 + to_row).

Properties: on groups of several transactions -- usual ones, ones the fast path declines, envelope faults
(SE01 or SE02 wrong, ST01 not 271, no BHT, a transaction without levels) anywhere among them, any delimiters
-- the whole file reads exactly as with the group run switched off (rows, or None: parse_271's file), and a
group of usual transactions is read by the group run to its end and as the oracle reads it.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_x12_271_fast_units import _FAULTS, _oracle, _with_fault, usual_body
from x12_strategies import delimiter_sets

import orchestration.x12.x12_271_bulk as bulk
from orchestration.x12.segments import Delimiters
from orchestration.x12.x12_271_bulk import bulk_271_rows
from orchestration.x12.x12_271_bulk_levels import memo_for
from orchestration.x12.x12_271_bulk_units import read_usual_group

_ENVELOPE_FAULTS = ["SE01", "SE02", "ST01", "no BHT", "no levels", "bad BHT date", "ST02 only"]


@st.composite
def transaction(draw: st.DrawFn, control: str) -> list[str]:
    """One transaction's segments (ST ... SE): usual, with a fault the fast path must decline, or with an
    envelope fault."""
    body = draw(usual_body())
    kind = draw(st.sampled_from(["usual", "usual", "fast path fault", "envelope fault"]))
    if kind == "fast path fault":
        body = _with_fault(body, draw(st.sampled_from(_FAULTS)), draw(st.integers(0, 20)))
    fault = draw(st.sampled_from(_ENVELOPE_FAULTS)) if kind == "envelope fault" else ""
    st_seg = "ST*271*" + control + "*005010X279A1"
    bht = "BHT*0022*11*1*20250301*0800"
    if fault == "ST01":
        st_seg = "ST*270*" + control
    elif fault == "ST02 only":
        st_seg = "ST*271"
    elif fault == "bad BHT date":
        bht = "BHT*0022*11*1*20250231*0800"
    segs = [st_seg, *([] if fault == "no BHT" else [bht]), *([] if fault == "no levels" else body)]
    count = len(segs) + 1 + (1 if fault == "SE01" else 0)
    segs.append(f"SE*{count}*{'9999' if fault == 'SE02' else control}")
    return segs


def _interchange(transactions: list[list[str]], d: tuple[str, str, str, str]) -> str:
    element, component, term, repetition = d
    isa = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PTLEADS        *250301*0800*^*00501*"
    isa += "000000007*0*P*"
    segs = [isa, "GS*HB*PAYER*PTLEADS*20250301*0800*7*X*005010X279A1"]
    segs += [s for t in transactions for s in t]
    segs += [f"GE*{len(transactions)}*7", "IEA*1*000000007"]
    swap = str.maketrans({"*": element, "^": repetition})
    text = term.join(s.translate(swap) for s in segs) + term
    return text.replace(term, component + term, 1)  # ISA16, the component separator, ends the ISA


@st.composite
def group(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(1, 5))
    return [draw(transaction(f"{k:04d}")) for k in range(1, n + 1)]


def _one_by_one(text: str) -> list[tuple] | None:
    """The file read with the group run switched off: every transaction by _interchange's walk."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "read_usual_group", lambda ix, st_at, *_: (0, st_at, False))
        return bulk_271_rows(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transactions=group(), d=delimiter_sets())
def test_a_group_reads_as_transaction_by_transaction(transactions: list[list[str]], d: tuple) -> None:
    text = _interchange(transactions, d)
    got = bulk_271_rows(text)
    assert got == _one_by_one(text)
    if got is not None:
        assert got == _oracle(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies=st.lists(usual_body(), min_size=1, max_size=4), d=delimiter_sets())
def test_a_group_of_usual_transactions_is_read_in_one_run(bodies: list[list[str]], d: tuple) -> None:
    transactions = []
    for k, body in enumerate(bodies, 1):
        segs = [f"ST*271*{k:04d}*005010X279A1", "BHT*0022*11*1*20250301*0800", *body]
        transactions.append([*segs, f"SE*{len(segs) + 1}*{k:04d}"])
    text = _interchange(transactions, d)
    delimiters = Delimiters(*d)
    ix = text.replace("\r", "").replace("\n", "") if delimiters.segment != "\n" else text
    st_at = ix.index(delimiters.segment + "ST" + delimiters.element)
    ge_at = ix.index(delimiters.segment + "GE" + delimiters.element)
    out: list[tuple] = []
    read = read_usual_group(ix, st_at, ge_at, "000000007", memo_for(delimiters), out)
    assert read == (len(bodies), ge_at, False)
    assert out == bulk_271_rows(text) == _oracle(text)


def test_the_run_goes_on_after_a_transaction_it_declines() -> None:
    """[usual, with a dependent, usual]: the second goes straight to read_transaction (the run read and
    declined its units), the third is read by the run again; rows as the oracle's."""
    d = ("*", ":", "~", "^")
    body = ["HL*1**20*1", "NM1*PR*2*ACME*****PI*12345", "HL*2*1*21*1", "NM1*1P*2*CLINIC*****XX*1467857193"]
    body += ["HL*3*2*22*1", "NM1*IL*1*DOE*JANE****MI*W1", "EB*1*IND*30"]
    dependent = [*body, "HL*4*3*23*0", "NM1*03*1*DOE*KID", "EB*1*IND*30"]
    transactions = []
    for k, levels in enumerate([body, dependent, body], 1):
        segs = [f"ST*271*{k:04d}*005010X279A1", "BHT*0022*11*1*20250301*0800", *levels]
        transactions.append([*segs, f"SE*{len(segs) + 1}*{k:04d}"])
    text = _interchange(transactions, d)
    calls: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        one = bulk.read_usual_transaction
        patch.setattr(bulk, "read_usual_transaction", lambda *a: calls.append(1) or one(*a))
        got = bulk_271_rows(text)
    assert calls == []
    assert got is not None and len(got) == 4
    assert got == _oracle(text) == _one_by_one(text)
