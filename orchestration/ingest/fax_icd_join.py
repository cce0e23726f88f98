"""Reassemble ICD-10-CM codes the fax layout cut in two: "S83." at a line's end and "511A" starting the
next line, or the category in one box and the rest in the box beside it. The pieces are joined only
when the whole is a valid code (simple-icd-10-cm), so the longest code the characters support wins
over the bare category ("S83") the first piece alone would give.
"""

from __future__ import annotations

import re

from orchestration.ingest.fax_normalise import find_icd10, normalise_icd10

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


# A code inside a run of glued characters: its category, an optional separator (a dot, or a box's
# border read as | [ ] or a misread dot , ; :), then up to four more characters.
_CODE_AT = re.compile(r"[A-TV-Z]\d[0-9A-Z](?:[.|\[\]:;,]?[0-9A-Z]{1,4})?")
_RUN = re.compile(r"[A-Za-z0-9.|\[\]:;,]{3,}")


def codes_in_runs(text: str) -> list[str]:
    """Valid codes in runs of glued characters that claim forms produce ("AM54|2B.M62|81]": slot
    letters A. B., box borders, codes without dots): each run is cut into codes and junk so that
    valid codes cover as many of its characters as possible, the longest valid code at each place."""
    out: list[str] = []
    for run in _RUN.finditer(text.upper()):
        for code in _best_cover(run[0]):
            if code not in out:
                out.append(code)
    return out


def _best_cover(run: str) -> list[str]:
    n = len(run)
    # best[i]: (characters covered by codes from i on, codes) for the rest of the run.
    best: list[tuple[int, list[str]]] = [(0, [])] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = best[i + 1]  # character i is junk (a slot letter, a border, a speck)
        if not _opens(run, i):
            continue
        for end in range(i + 3, min(n, i + 9) + 1):
            piece = run[i:end]
            if not _CODE_AT.fullmatch(piece) or not _closes(run, end):
                continue
            raw = re.sub(r"[.|\[\]:;,]", "", piece)
            code = normalise_icd10(raw)  # as printed: no letter read for a digit inside a glued run
            if code and code.replace(".", "") == raw and (covered := len(piece) + best[end][0]) > best[i][0]:
                best[i] = (covered, [code, *best[end][1]])
    return best[0][1]


_SEPARATOR = ".|[]:;,"
_SLOT = "ABCDEFGHIJKL8"  # a claim form's diagnosis slots A. to L. (B read as 8)


def _opens(run: str, i: int) -> bool:
    """A code starts the run, follows a separator, or follows a slot letter that does."""
    before = run[:i].rstrip(_SEPARATOR)
    if len(before) < i or i == 0:
        return True
    return before[-1] in _SLOT and (len(before) == 1 or before[-2] in _SEPARATOR or _slot_after_code(before))


def _slot_after_code(before: str) -> bool:
    return len(before) >= 2 and before[-2].isdigit()  # "M54|2B.M62": B. after the last code's digit


def _closes(run: str, end: int) -> bool:
    """A code ends the run, or meets a separator, or a slot letter and its separator ("2B.M62")."""
    return end == len(run) or run[end] in _SEPARATOR or (run[end] in _SLOT and run[end + 1 : end + 2] in ".:")


def codes_in_dx_text(text: str) -> list[str]:
    """The codes of a diagnosis field's text: `find_icd10`'s, or the glued-run reading where that
    covers them all and more ("R26.8" read where the run holds R26.89 is that longer code)."""
    found = find_icd10(text)
    runs = codes_in_runs(text)
    if all(any(r.startswith(f) for r in runs) for f in found):
        return runs if len(runs) >= len(found) else found
    return found + [r for r in runs if not any(f.startswith(r) or r.startswith(f) for f in found)]
