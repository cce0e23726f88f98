"""X12 tokenizer and envelope checks (ISA/GS/ST ... SE/GE/IEA).

Delimiters come from the ISA of each interchange, so one file may hold several interchanges with
different delimiters. Errors cite segment positions (1-based, counted over the whole text) and
segment ids only: never element values, which may be PHI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Segment = list[str]  # [segment id, element 1, element 2, ...]

_ISA_ELEMENTS = 16
_SEGMENT_ID = re.compile(r"[A-Z0-9]{2,3}\Z")
_ENVELOPE_IDS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


class X12Error(ValueError):
    """The text is not a well-formed X12 interchange. The message never holds element values."""


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None  # ISA11 in 00501+; None for 00401 files ("U" there)


@dataclass(slots=True)
class TransactionSet:
    set_id: str  # ST01, e.g. "271"
    control_number: str  # ST02
    segments: list[Segment]  # ST ... SE inclusive
    position: int  # position of ST in the text


@dataclass(slots=True)
class FunctionalGroup:
    functional_id: str  # GS01, e.g. "HB"
    control_number: str  # GS06
    version: str  # GS08, e.g. "005010X279A1"
    position: int
    transactions: list[TransactionSet] = field(default_factory=list)


@dataclass(slots=True)
class Interchange:
    delimiters: Delimiters
    control_number: str  # ISA13 as written (keeps leading zeros)
    sender_id: str  # ISA06, stripped
    receiver_id: str  # ISA08, stripped
    version: str  # ISA12
    position: int
    groups: list[FunctionalGroup] = field(default_factory=list)


def read_delimiters(text: str, start: int = 0) -> tuple[Delimiters, int]:
    """Delimiters of the ISA at text[start:], and the index just past its segment terminator.

    The standard ISA is 106 characters; we count element separators instead of trusting the fixed
    widths so that ISAs with trimmed padding still read.
    """
    if text[start : start + 3] != "ISA" or len(text) < start + 4:
        raise X12Error(f"expected ISA at character {start}")
    element = text[start + 3]
    if element.isalnum() or element.isspace():
        raise X12Error("ISA element separator must be a non-alphanumeric character")
    pos = start + 3
    for _ in range(_ISA_ELEMENTS - 1):
        pos = text.find(element, pos + 1)
        if pos < 0:
            raise X12Error("ISA is truncated (fewer than 16 elements)")
    # pos is the separator before ISA16; ISA16 is one character, the terminator follows it.
    if len(text) < pos + 3:
        raise X12Error("ISA is truncated (no component separator or segment terminator)")
    component, segment = text[pos + 1], text[pos + 2]
    isa = text[start:pos].split(element)
    repetition: str | None = isa[11]
    if isa[12] < "00501" or len(repetition) != 1 or repetition.isalnum() or repetition.isspace():
        repetition = None
    chars = [element, component, segment] + ([repetition] if repetition else [])
    if len(set(chars)) != len(chars) or component.isalnum() or segment.isalnum() or segment == " ":
        raise X12Error("ISA declares delimiters that are not distinct non-alphanumeric characters")
    return Delimiters(element, component, segment, repetition), pos + 3


def split_segments(text: str, delimiters: Delimiters) -> list[Segment]:
    """Split one interchange's text into segments of elements; tolerates CR/LF after terminators."""
    term, sep = delimiters.segment, delimiters.element
    # CR and LF are not X12 data characters: unless one is the terminator, they are line layout.
    if term == "\n":
        text = text.replace("\r", "")
    elif term == "\r":
        text = text.replace("\n", "")
    else:
        text = text.replace("\r", "").replace("\n", "")
    return [raw.split(sep) for raw in text.split(term) if raw]


def split_repeats(value: str, delimiters: Delimiters) -> list[str]:
    """Values of a repeating element (e.g. EB03 "30^PT"); tolerates the component separator too."""
    if len(value) <= 2:
        return [value]
    if delimiters.repetition and delimiters.repetition in value:
        return value.split(delimiters.repetition)
    if delimiters.component in value:
        return value.split(delimiters.component)
    return [value]


def parse_interchanges(text: str, *, strict: bool = True) -> list[Interchange]:
    """Tokenize every interchange in text and check its envelopes.

    Counts (SE01, GE01, IEA01) are always checked: they are what catches truncation. With
    strict=False, mismatched control numbers (ST02/SE02, GS06/GE02, ISA13/IEA02) are tolerated,
    because real senders get them wrong (the 005010X279A1 error example has SE02 != ST02).
    """
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA"):
        raise X12Error("text does not start with an ISA segment")
    interchanges: list[Interchange] = []
    pos, seg_offset = 0, 0
    while pos < len(text):
        delimiters, _ = read_delimiters(text, pos)
        end = _interchange_end(text, pos, delimiters, seg_offset)
        segments = split_segments(text[pos:end], delimiters)
        interchanges.append(_check_envelopes(segments, delimiters, seg_offset, strict))
        seg_offset += len(segments)
        rest = text[end:].lstrip(" \t\r\n")
        if rest and not rest.startswith("ISA"):
            raise X12Error(f"unexpected data after IEA at segment {seg_offset}")
        pos = len(text) - len(rest)
    return interchanges


def _interchange_end(text: str, start: int, d: Delimiters, seg_offset: int) -> int:
    """Index just past the IEA segment terminator of the interchange starting at start."""
    pattern = re.compile(re.escape(d.segment) + r"[\r\n]*IEA" + re.escape(d.element))
    match = pattern.search(text, start)
    if match is None:
        raise X12Error(f"interchange at segment {seg_offset + 1} has no IEA (truncated?)")
    end = text.find(d.segment, match.end())
    return len(text) if end < 0 else end + 1


def _int(value: str, what: str, position: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise X12Error(f"{what} at segment {position} is not a number") from None


def _element(seg: Segment, index: int) -> str:
    return seg[index] if len(seg) > index else ""


def _check_envelopes(segs: list[Segment], d: Delimiters, offset: int, strict: bool) -> Interchange:
    isa = segs[0]
    if len(isa) != _ISA_ELEMENTS + 1:
        raise X12Error(f"ISA at segment {offset + 1} has {len(isa) - 1} elements, expected 16")
    ix = Interchange(d, isa[13], isa[6].strip(), isa[8].strip(), isa[12], offset + 1)
    _check_segment_ids(segs, offset)
    group: FunctionalGroup | None = None
    st_at = -1  # index of the open ST in segs, -1 when none
    closed = False
    # Only envelope segments need a look; the gaps between them must lie inside ST ... SE.
    marks = [i for i, seg in enumerate(segs) if seg[0] in _ENVELOPE_IDS]
    prev = 0
    for i in marks[1:]:
        if st_at < 0 and i > prev + 1:
            _outside(segs, prev + 1, offset, closed)
        prev = i
        seg = segs[i]
        sid = seg[0]
        position = offset + i + 1
        if st_at >= 0:
            if sid != "SE":
                raise X12Error(
                    f"{sid} at segment {position} inside transaction set opened at segment "
                    f"{offset + st_at + 1} (missing SE)"
                )
            _close_transaction(segs, st_at, i, group, offset, strict)
            st_at = -1
            continue
        if closed:
            raise X12Error(f"{sid or 'empty'} segment at segment {position} after IEA")
        if sid == "GS":
            if group is not None:
                raise X12Error(f"GS at segment {position} before GE of the previous group")
            group = FunctionalGroup(_element(seg, 1), _element(seg, 6), _element(seg, 8), position)
            ix.groups.append(group)
        elif sid == "ST":
            if group is None:
                raise X12Error(f"ST at segment {position} outside a functional group")
            st_at = i
        elif sid == "GE":
            if group is None:
                raise X12Error(f"GE at segment {position} without GS")
            count = _int(_element(seg, 1), "GE01", position)
            if count != len(group.transactions):
                raise X12Error(
                    f"GE01 transaction count {count} does not match "
                    f"{len(group.transactions)} transaction sets in group at segment {group.position}"
                )
            if strict and _element(seg, 2) != group.control_number:
                raise X12Error(f"GE02 at segment {position} does not match GS06 at segment {group.position}")
            group = None
        elif sid == "IEA":
            if group is not None:
                raise X12Error(f"IEA at segment {position} before GE of group at segment {group.position}")
            count = _int(_element(seg, 1), "IEA01", position)
            if count != len(ix.groups):
                raise X12Error(
                    f"IEA01 group count {count} does not match {len(ix.groups)} functional "
                    f"groups in interchange at segment {offset + 1}"
                )
            if strict and _element(seg, 2) != ix.control_number:
                raise X12Error(f"IEA02 at segment {position} does not match ISA13 at segment {offset + 1}")
            closed = True
        else:  # SE without ST, or a second ISA
            raise X12Error(f"unexpected {sid} segment at segment {position} outside a transaction set")
    if st_at < 0 and prev < len(segs) - 1:
        _outside(segs, prev + 1, offset, closed)
    if st_at >= 0:
        raise X12Error(f"transaction set at segment {offset + st_at + 1} has no SE")
    if not closed:
        raise X12Error(f"interchange at segment {offset + 1} has no IEA")
    return ix


def _check_segment_ids(segs: list[Segment], offset: int) -> None:
    # Distinct ids are few: check each once, then look for the first bad one only when there is one.
    bad = {sid for sid in {seg[0] for seg in segs} if _SEGMENT_ID.match(sid) is None}
    if bad:
        first = next(i for i, seg in enumerate(segs) if seg[0] in bad)
        raise X12Error(f"malformed segment id at segment {offset + first + 1}")


def _outside(segs: list[Segment], i: int, offset: int, closed: bool) -> None:
    where = "after IEA" if closed else "outside a transaction set"
    raise X12Error(f"unexpected {segs[i][0]} segment at segment {offset + i + 1} {where}")


def _close_transaction(
    segs: list[Segment], st_at: int, se_at: int, group: FunctionalGroup | None, offset: int, strict: bool
) -> None:
    st, se = segs[st_at], segs[se_at]
    st_pos, se_pos = offset + st_at + 1, offset + se_at + 1
    count = _int(_element(se, 1), "SE01", se_pos)
    actual = se_at - st_at + 1
    if count != actual:
        raise X12Error(
            f"SE01 segment count {count} does not match {actual} segments in transaction set "
            f"at segment {st_pos}"
        )
    if strict and _element(se, 2) != _element(st, 2):
        raise X12Error(f"SE02 at segment {se_pos} does not match ST02 at segment {st_pos}")
    assert group is not None  # an ST is only opened inside a group
    group.transactions.append(
        TransactionSet(_element(st, 1), _element(st, 2), segs[st_at : se_at + 1], st_pos)
    )
