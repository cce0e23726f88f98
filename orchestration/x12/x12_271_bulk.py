"""Bulk reader of regular 271 files: answers straight to row tuples, checked as strictly as parse_271.

Shape of the work (why it is fast): an interchange is cut once by its ISA-declared delimiters (the
envelope is walked with str.find, counts come from str.count, segment ids are checked where segments are
read). The usual transactions of a functional group (payer, provider, subscribers with the usual head and EB
lines) are read by one regex pass over their units and SE-ST-BHT boundaries (x12_271_bulk_units); from the
first other one on, a group is walked transaction by transaction; a transaction that is not a usual one is
cut at its HL segments and read by
x12_271_bulk_levels, which splits only the segments that feed a row into elements. Both memoise EB lines,
shapes and payer/provider levels (the same memo).

Members with LS/LE loops or MSG/DTP/III/AAA after their EB lines are read segment by segment
(x12_271_bulk_general). Anything else -- an error of any kind (the message must be parse_271's, with its
segment positions), control numbers that only the lenient read accepts, LS/LE or DMG at payer or provider
level -- returns None and the caller reads the file with parse_271 (orchestration.x12.x12_271_parse),
whose rows these equal (parity tests: tests/x12/test_x12_271_bulk_parity.py).
"""

from __future__ import annotations

from orchestration.x12.segments import X12Error, _interchange_end, read_delimiters
from orchestration.x12.x12_271_bulk_levels import BulkMemo, NotBulk, elements, memo_for, read_transaction
from orchestration.x12.x12_271_bulk_units import read_usual_group, read_usual_transaction

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
    iea_mark = d.segment + "IEA" + d.element
    iea = norm.rfind(iea_mark)  # from the end: the usual file's one IEA is its last segment (no full scan)
    end = norm.find(d.segment, iea + 1) + 1 if iea >= 0 else 0
    if end and not norm[end:].strip(" \t\r\n"):  # one interchange (the usual file): cut the text once
        try:
            _interchange(norm[:end], memo_for(d), out)
            return out
        except NotBulk:
            if norm.find(iea_mark) == iea:
                raise
            out = []  # several interchanges: the walk stopped at the first IEA; each is read below
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
    drop = [c for c in "\r\n" if c != term and c in text]
    if not drop:
        return text
    if not text.isascii():
        for c in drop:
            text = text.replace(c, "")
        return text
    # ASCII text (the usual file): bytes.replace is about twice as fast as str.replace, encoding and decoding
    # ASCII about free.
    data = text.encode("ascii")
    for c in drop:
        data = data.replace(c.encode("ascii"), b"")
    return data.decode("ascii")


def _interchange(ix: str, memo: BulkMemo, out: list[tuple]) -> None:
    d = memo.d
    term, sep = d.segment, d.element
    isa_end = ix.find(term)
    # Segment ids, empty ones too, are checked where segments are read (_check_id, the member head pattern,
    # the EB-only count), not by another scan of the whole text here.
    if not ix.endswith(term) or isa_end < 0:
        raise NotBulk
    isa = ix[:isa_end].split(sep)
    if len(isa) != 17:
        raise NotBulk
    isa13 = isa[13]
    gs_mark, st_mark, se_mark, ge_mark, iea_mark = memo.marks
    # The envelope is walked with str.find from segment to segment; the bodies are not scanned for envelope
    # segments here: read_transaction checks the id of every segment it reads (an ST, GS, GE or IEA inside a
    # body raises NotBulk there) and the first SE after an ST closes it, as parse_interchanges does.
    at, groups = isa_end, 0
    while ix.startswith(gs_mark, at):
        end = ix.find(term, at + 1)
        gs06 = elements(ix[at + 4 : end], sep, 6)[5]
        at, count = end, 0
        ge_at = ix.find(ge_mark, at)
        declined = False
        while True:
            if ge_at > 0:  # usual transactions in one pass, up to the next other one
                read, at, declined = read_usual_group(ix, at, ge_at, isa13, memo, out)
                count += read
            if not ix.startswith(st_mark, at):
                break
            st_end = ix.find(term, at + 1)
            se_at = ix.find(se_mark, st_end)
            if se_at < 0:
                raise NotBulk
            end = ix.find(term, se_at + 1)
            st_el, se = elements(ix[at + 4 : st_end], sep, 2), elements(ix[se_at + 4 : end], sep, 2)
            # ST, SE and one segment after each terminator between them (empty segments were refused above)
            segments = ix.count(term, st_end, se_at) + 2
            if st_el[0] != "271" or int(se[0]) != segments or se[1] != st_el[1]:
                raise NotBulk
            prefix = f"{isa13}-{st_el[1]}-"
            # declined: the group run read this transaction's units and declined them, as
            # read_usual_transaction would (the same units, checks and order): read_transaction's at once
            if declined or not read_usual_transaction(ix, st_end, se_at, prefix, memo, out):
                read_transaction(ix[st_end:se_at], prefix, memo, out)
            at, count = end, count + 1
        if not ix.startswith(ge_mark, at):
            raise NotBulk
        end = ix.find(term, at + 1)
        ge = elements(ix[at + 4 : end], sep, 2)
        if int(ge[0]) != count or ge[1] != gs06:
            raise NotBulk
        at, groups = end, groups + 1
    if not ix.startswith(iea_mark, at):
        raise NotBulk
    iea = elements(ix[at + 5 : -1], sep, 2)
    if int(iea[0]) != groups or iea[1] != isa13 or ix.count(term, at + 1) != 1:
        raise NotBulk
    memo.trim()
