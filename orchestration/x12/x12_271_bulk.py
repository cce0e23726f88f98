"""Bulk reader of regular 271 files: answers straight to row tuples, checked as strictly as parse_271.

Shape of the work (why it is fast): an interchange is cut once by its ISA-declared delimiters (one regex
finds the envelope segments, counts come from str.count, segment ids are checked where segments are
read), transactions are cut at their HL segments and read by x12_271_bulk_levels, which splits only the
segments that feed a row into elements and memoises EB lines, shapes and payer/provider levels.

Members with LS/LE loops or MSG/DTP/III/AAA after their EB lines are read segment by segment
(x12_271_bulk_general). Anything else -- an error of any kind (the message must be parse_271's, with its
segment positions), control numbers that only the lenient read accepts, LS/LE or DMG at payer or provider
level -- returns None and the caller reads the file with parse_271 (orchestration.x12.x12_271_parse),
whose rows these equal (parity tests: tests/x12/test_x12_271_bulk_parity.py).
"""

from __future__ import annotations

import re

from orchestration.x12.segments import X12Error, _interchange_end, read_delimiters
from orchestration.x12.x12_271_bulk_levels import BulkMemo, NotBulk, elements, memo_for, read_transaction

# The row a response becomes: raw.eligibility_responses' columns (eligibility.EligibilityRow checks it).
ROW_FIELDS = (
    "source_record_id", "trace_id", "payer_name", "payer_id", "provider_npi", "member_id", "first_name",
    "last_name", "dob", "is_dependent", "active", "plan_name", "group_number", "plan_begin", "plan_end",
    "copay", "coinsurance", "deductible", "deductible_remaining", "oop_max", "oop_remaining", "visit_limit",
    "visits_used", "auth_required", "in_network", "checked_at", "rejection_code", "rejection_reason",
    "rejection_loop", "rejections_json",
)  # fmt: skip


def bulk_271_rows(text: str) -> list[tuple] | None:
    """Rows (ROW_FIELDS order) of every answer of every 271 in text, as parse_271(text, strict=True) and
    eligibility.to_row give them; None when the text must be read by parse_271."""
    try:
        return _read(text)
    except (NotBulk, X12Error, ValueError, IndexError):
        return None
    except Exception:  # a reader bug must cost speed (parse_271 reads the file), never the file
        return None


def _read(text: str) -> list[tuple]:
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA"):
        raise NotBulk
    out: list[tuple] = []
    d, _ = read_delimiters(text, 0)
    norm = _normalised(text, d.segment)
    iea = norm.find(d.segment + "IEA" + d.element)
    end = norm.find(d.segment, iea + 1) + 1 if iea >= 0 else 0
    if end and not norm[end:].strip(" \t\r\n"):  # one interchange (the usual file): cut the text once
        _interchange(norm[:end], memo_for(d), out)
        return out
    pos = 0  # several interchanges, each with its own delimiters: cut as parse_interchanges does
    while pos < len(text):
        d, _ = read_delimiters(text, pos)
        end = _interchange_end(text, pos, d, 0)
        _interchange(_normalised(text[pos:end], d.segment), memo_for(d), out)
        rest = text[end:].lstrip(" \t\r\n")
        if rest and not rest.startswith("ISA"):
            raise NotBulk
        pos = len(text) - len(rest)
    return out


def _normalised(text: str, term: str) -> str:
    # As split_segments: CR and LF are line layout unless one is the terminator.
    if term != "\r" and "\r" in text:
        text = text.replace("\r", "")
    if term != "\n" and "\n" in text:
        text = text.replace("\n", "")
    return text


def _interchange(ix: str, memo: BulkMemo, out: list[tuple]) -> None:
    d = memo.d
    term, sep = d.segment, d.element
    isa_end = ix.find(term)
    # Segment ids are checked where segments are read (_check_id); empty segments here, once.
    if not ix.endswith(term) or isa_end < 0 or memo.empty_segment in ix:
        raise NotBulk
    isa = ix[:isa_end].split(sep)
    if len(isa) != 17:
        raise NotBulk
    isa13 = isa[13]
    at, groups, count, gs06 = isa_end, 0, 0, None
    st: re.Match | None = None
    for m in memo.envelope.finditer(ix):
        sid = m.group(1)
        if st is not None:  # inside ST ... SE: the next envelope segment must be its SE
            if sid != "SE":
                raise NotBulk
            se = elements(m.group(2), sep, 2)
            st_el = elements(st.group(2), sep, 2)
            # ST, SE and one segment after each terminator between them (empty segments were refused above)
            segments = ix.count(term, st.end(), m.start()) + 2
            if st_el[0] != "271" or int(se[0]) != segments or se[1] != st_el[1]:
                raise NotBulk
            read_transaction(ix[st.end() : m.start()], f"{isa13}-{st_el[1]}-", memo, out)
            count += 1
            st, at = None, m.end()
            continue
        if m.start() != at:  # something between envelope segments
            raise NotBulk
        at = m.end()
        if sid == "ST" and gs06 is not None:
            st = m
        elif sid == "GS" and gs06 is None:
            gs06, count = elements(m.group(2), sep, 6)[5], 0
            groups += 1
        elif sid == "GE" and gs06 is not None:
            ge = elements(m.group(2), sep, 2)
            if int(ge[0]) != count or ge[1] != gs06:
                raise NotBulk
            gs06 = None
        elif sid == "IEA" and gs06 is None:
            iea = elements(m.group(2), sep, 2)
            if int(iea[0]) != groups or iea[1] != isa13 or m.end() != len(ix) - 1:
                raise NotBulk
            memo.trim()
            return
        else:
            raise NotBulk
    raise NotBulk  # no IEA, or an ST without SE
