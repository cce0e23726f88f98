"""Tokenizer and envelope checks of orchestration.x12.segments."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from x12_strategies import TEXT_ALPHABET, delimiter_sets

from orchestration.x12.envelope import render_interchange
from orchestration.x12.segments import X12Error, parse_interchanges, read_delimiters, split_repeats

CREATED = datetime(2025, 3, 3, 8, 15)

ISA = (
    "ISA*00*" + " " * 10 + "*00*" + " " * 10 + "*ZZ*SENDER         *ZZ*RECEIVER       "
    "*250303*0815*^*00501*000000042*0*P*:~"
)
ENVELOPE = (
    ISA
    + """
GS*HB*SENDER*RECEIVER*20250303*0815*42*X*005010X279A1~
ST*271*0001*005010X279A1~
BHT*0022*11*1*20250303*0815~
SE*3*0001~
ST*271*0002*005010X279A1~
BHT*0022*11*2*20250303*0815~
ZZZ*1^2*A:B~
SE*4*0002~
GE*2*42~
IEA*1*000000042~
"""
)


def _replace_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_reads_delimiters_from_isa() -> None:
    delimiters, end = read_delimiters(ENVELOPE)
    assert (delimiters.element, delimiters.component, delimiters.segment, delimiters.repetition) == (
        "*",
        ":",
        "~",
        "^",
    )
    assert end == 106  # the ISA is 106 characters, terminator included


def test_repetition_separator_is_ignored_before_00501() -> None:
    isa_4010 = ENVELOPE.replace("*^*00501*", "*U*00401*", 1)
    delimiters, _ = read_delimiters(isa_4010)
    assert delimiters.repetition is None


def test_envelope_structure_and_segments() -> None:
    [ix] = parse_interchanges(ENVELOPE)
    assert ix.control_number == "000000042"
    assert (ix.sender_id, ix.receiver_id) == ("SENDER", "RECEIVER")
    [group] = ix.groups
    assert (group.functional_id, group.control_number, group.version) == ("HB", "42", "005010X279A1")
    assert [ts.control_number for ts in group.transactions] == ["0001", "0002"]
    second = group.transactions[1]
    assert second.segments[2] == ["ZZZ", "1^2", "A:B"]
    assert second.position == 6
    assert split_repeats("1^2", ix.delimiters) == ["1", "2"]
    assert split_repeats("30:PT", ix.delimiters) == ["30", "PT"]


@pytest.mark.parametrize(
    "layout",
    [
        lambda t: t.replace("~\n", "~"),  # all on one line
        lambda t: t.replace("~\n", "~\r\n"),  # CRLF
        lambda t: t.replace("~\n", "~\r"),  # CR
        lambda t: "\ufeff\n" + t + "\n\n",  # BOM and blank lines around
    ],
)
def test_line_layouts_tokenize_identically(layout) -> None:
    expected = parse_interchanges(ENVELOPE)
    got = parse_interchanges(layout(ENVELOPE))
    assert [ts.segments for ts in got[0].groups[0].transactions] == [
        ts.segments for ts in expected[0].groups[0].transactions
    ]


def test_newline_as_segment_terminator_with_crlf() -> None:
    text = ENVELOPE.replace("~\n", "\r\n").replace("*:\r\n", "*:\n", 1)
    [ix] = parse_interchanges(text)
    assert ix.delimiters.segment == "\n"
    assert ix.groups[0].transactions[1].segments[2] == ["ZZZ", "1^2", "A:B"]


def test_several_interchanges_with_their_own_delimiters() -> None:
    second = ENVELOPE.replace("*", "|").replace("~", "'").replace("000000042", "000000043")
    second = second.replace("|42|", "|43|").replace("GE|2|42", "GE|2|43")
    interchanges = parse_interchanges(ENVELOPE + second)
    assert [ix.control_number for ix in interchanges] == ["000000042", "000000043"]
    assert interchanges[1].delimiters.element == "|"
    assert interchanges[1].groups[0].transactions[1].position == 11 + 6


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("SE*4*0002~", "SE*5*0002~", "SE01 segment count 5 does not match 4"),
        ("SE*4*0002~", "SE*4*0009~", "SE02 at segment 9 does not match ST02"),
        ("GE*2*42~", "GE*1*42~", "GE01 transaction count 1 does not match 2"),
        ("GE*2*42~", "GE*2*41~", "GE02 at segment 10 does not match GS06"),
        ("IEA*1*000000042~", "IEA*2*000000042~", "IEA01 group count 2 does not match 1"),
        ("IEA*1*000000042~", "IEA*1*000000041~", "IEA02 at segment 11 does not match ISA13"),
        ("SE*3*0001~\n", "", "ST at segment 5 inside transaction set opened at segment 3 .missing SE."),
        ("ZZZ*1^2*A:B~", "Z-Z*1~", "malformed segment id at segment 8"),
        ("GS*HB", "XX*HB", "unexpected XX segment at segment 2"),
    ],
)
def test_envelope_errors_name_the_problem(old: str, new: str, message: str) -> None:
    with pytest.raises(X12Error, match=message.replace("^", r"\^")):
        parse_interchanges(_replace_line(ENVELOPE, old, new))


def test_lenient_mode_tolerates_control_numbers_but_not_counts() -> None:
    text = _replace_line(ENVELOPE, "SE*4*0002~", "SE*4*0009~")
    text = _replace_line(text, "IEA*1*000000042~", "IEA*1*000000041~")
    [ix] = parse_interchanges(text, strict=False)
    assert len(ix.groups[0].transactions) == 2
    with pytest.raises(X12Error, match="SE01"):
        parse_interchanges(_replace_line(ENVELOPE, "SE*4*0002~", "SE*3*0002~"), strict=False)


@pytest.mark.parametrize("cut", [50, 106, 200, len(ENVELOPE) - 10])
def test_truncated_text_raises(cut: int) -> None:
    with pytest.raises(X12Error):
        parse_interchanges(ENVELOPE[:cut])


def test_errors_do_not_echo_element_values() -> None:
    text = _replace_line(ENVELOPE, "ZZZ*1^2*A:B~", "NM1*IL*1*SECRETNAME~SE*9*0002~")
    with pytest.raises(X12Error) as info:
        parse_interchanges(text)
    assert "SECRETNAME" not in str(info.value)


segment_ids = st.text("ABCDEFGHIJKLMNOPRTUVWXYZ0123456789", min_size=2, max_size=3).filter(
    lambda s: s not in ("ST", "SE", "GS", "GE", "ISA", "IEA") and not s.startswith("IEA")
)
elements = st.text(TEXT_ALPHABET, max_size=8)
last_elements = st.text(TEXT_ALPHABET, min_size=1, max_size=4)  # the writer drops trailing empties
bodies = st.lists(
    st.lists(
        st.tuples(segment_ids, st.lists(elements, max_size=5), last_elements).map(
            lambda t: [t[0], *t[1], t[2]]
        ),
        max_size=6,
    ),
    min_size=1,
    max_size=3,
)


@given(bodies=bodies, delimiters=delimiter_sets(), newline=st.booleans())
def test_tokenizer_round_trips_random_segments(bodies, delimiters, newline) -> None:
    text, controls = render_interchange(
        bodies,
        set_id="271",
        functional_id="HB",
        isa_control=7,
        sender_id="SENDER",
        receiver_id="RECEIVER",
        created=CREATED,
        delimiters=delimiters,
        newline=newline,
    )
    [ix] = parse_interchanges(text)
    assert ix.delimiters.element == delimiters[0]
    assert ix.delimiters.segment == delimiters[2]
    transactions = ix.groups[0].transactions
    assert [ts.control_number for ts in transactions] == controls
    assert [ts.segments[1:-1] for ts in transactions] == bodies
