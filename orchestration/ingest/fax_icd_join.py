"""Reassemble ICD-10-CM codes the fax layout cut in two: "S83." at a line's end and "511A" starting the
next line, or the category in one box and the rest in the box beside it. The pieces are joined only
when the whole is a valid code (simple-icd-10-cm), so the longest code the characters support wins
over the bare category ("S83") the first piece alone would give.
"""

from __future__ import annotations

import re

from orchestration.ingest.fax_normalise import normalise_icd10

_HEAD = re.compile(r"(?<![A-Za-z0-9])([A-TV-Z]\d[0-9A-Z])\s?([.,:;]?)$")
_TAIL = re.compile(r"([.,:;]?)\s?([0-9X][0-9A-Z]{0,3})(?![A-Za-z0-9])")
# Without a dot (or what a dot is read as) at the cut, a short number is the next sentence's
# ("M54" / "2 sessions a week"): only a tail of three characters or more is a code's.
BARE_TAIL = 3


def ends_in_code_head(text: str) -> bool:
    """The text ends in a code's category ("... S83." / "S83"): its rest may start the next line."""
    return _HEAD.search(text.rstrip()) is not None


def rejoin_cut_codes(texts: list[str]) -> list[str]:
    """`texts` in reading order, with a code cut between one text and the next put back together at
    the end of the first (and its tail taken off the second)."""
    out = list(texts)
    for i in range(len(out) - 1):
        head = _HEAD.search(out[i].rstrip())
        tail = _TAIL.match(out[i + 1].lstrip())
        if not head or not tail or not (head[2] or tail[1] or len(tail[2]) >= BARE_TAIL):
            continue
        if (code := normalise_icd10(head[1] + tail[2])) and "." in code:
            out[i] = out[i].rstrip()[: head.start()] + code
            out[i + 1] = out[i + 1].lstrip()[tail.end() :]
    return out
