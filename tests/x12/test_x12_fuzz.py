"""Mutated and truncated input: the parsers raise X12Error and nothing else."""

from __future__ import annotations

import string
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x12_strategies import delimiter_sets, responses

from orchestration.x12.model import EligibilityInquiry, EligibilityResponse
from orchestration.x12.segments import X12Error
from orchestration.x12.x12_270_parse import parse_270
from orchestration.x12.x12_270_write import render_270
from orchestration.x12.x12_271_parse import parse_271
from orchestration.x12.x12_271_write import render_271

ENVELOPE = {"isa_control": 5, "sender_id": "PAYER", "receiver_id": "PTLEADS", "created": datetime(2025, 3, 3)}


def _segments(text: str) -> list[str]:
    return [s for s in text.split("~\n") if s]


def _join(segments: list[str]) -> str:
    return "~\n".join(segments) + "~\n"


def _parse_or_x12error(parse, text: str) -> None:
    try:
        out = parse(text)
    except X12Error:
        return
    assert isinstance(out, list)


@st.composite
def written_271(draw: st.DrawFn) -> str:
    items = draw(st.lists(responses(), min_size=1, max_size=4))
    return render_271(items, **ENVELOPE)[0]


@settings(max_examples=50)
@given(text=written_271(), data=st.data())
def test_dropping_or_duplicating_a_transaction_segment_breaks_the_se_count(text: str, data) -> None:
    segs = _segments(text)
    body = range(3, len(segs) - 3)  # between ST and SE of the (first) transaction set
    i = data.draw(st.sampled_from(body))
    if segs[i].startswith(("ST*", "SE*")):
        return
    mutated = segs[:i] + segs[i + 1 :] if data.draw(st.booleans()) else segs[: i + 1] + segs[i:]
    with pytest.raises(X12Error, match="SE01 segment count"):
        parse_271(_join(mutated))


def _mutations_raise_only_x12error(text: str, data) -> None:
    segs = _segments(text)
    kind = data.draw(st.sampled_from(["truncate", "swap", "char", "drop", "duplicate", "element"]))
    if kind == "truncate":
        mutated = text[: data.draw(st.integers(0, len(text)))]
    elif kind == "swap":
        i, j = data.draw(st.integers(0, len(segs) - 1)), data.draw(st.integers(0, len(segs) - 1))
        segs[i], segs[j] = segs[j], segs[i]
        mutated = _join(segs)
    elif kind == "char":
        pos = data.draw(st.integers(0, len(text) - 1))
        ch = data.draw(st.sampled_from(string.printable))
        mutated = text[:pos] + ch + text[pos + 1 :]
    elif kind == "element":
        # Keep the envelope intact but put junk into one element of one body segment.
        i = data.draw(st.integers(3, len(segs) - 4))
        elements = segs[i].split("*")
        k = data.draw(st.integers(0, len(elements) - 1))
        elements[k] = data.draw(st.text(string.ascii_uppercase + string.digits + "-.^:", max_size=9))
        segs[i] = "*".join(elements)
        mutated = _join(segs)
    else:
        i = data.draw(st.integers(0, len(segs) - 1))
        mutated = _join(segs[:i] + segs[i + 1 :] if kind == "drop" else segs[: i + 1] + segs[i:])
    _parse_or_x12error(parse_271, mutated)


@settings(max_examples=100)
@given(text=written_271(), data=st.data())
def test_mutations_raise_only_x12error(text: str, data) -> None:
    _mutations_raise_only_x12error(text, data)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(text=written_271(), data=st.data())
def test_mutations_raise_only_x12error_deep(text: str, data) -> None:
    _mutations_raise_only_x12error(text, data)


@settings(max_examples=100)
@given(
    data=st.data(),
    delimiters=delimiter_sets(),
    junk=st.text(string.printable, max_size=40),
)
def test_random_junk_and_270_mutations_raise_only_x12error(data, delimiters, junk: str) -> None:
    inquiry = EligibilityInquiry("L1", "AETNA", "60054", "NORTH PT", "1467857193", "PAT", "DOE", "W1",
                                 date(1980, 1, 1), date(2025, 3, 4))  # fmt: skip
    text = render_270([inquiry], delimiters=delimiters, **ENVELOPE)
    cut = data.draw(st.integers(0, len(text)))
    _parse_or_x12error(parse_270, text[:cut] + junk + text[cut:])
    _parse_or_x12error(parse_271, junk)
    _parse_or_x12error(parse_271, "ISA" + junk)


def test_corrupted_se_count_names_the_mismatch() -> None:
    response = EligibilityResponse("", "L1", "AETNA", "60054", None, "W1", "PAT", "DOE", None, active=True)
    text = render_271([response], **ENVELOPE)[0]
    segs = _segments(text)
    se = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    count = int(segs[se].split("*")[1])
    segs[se] = f"SE*{count + 1}*0001"
    with pytest.raises(X12Error, match=f"SE01 segment count {count + 1} does not match {count} segments"):
        parse_271(_join(segs))
