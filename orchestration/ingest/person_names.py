"""Split a full name as people type it ("Last, First M.", "Dr. Ana de la Cruz Jr.") into its parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "md", "do", "phd", "pt", "dpt", "np", "pa", "esq"}
# Lower-case surname particles that belong to the last name ("de la Cruz", "van der Berg").
_PARTICLES = {
    "de",
    "del",
    "della",
    "la",
    "le",
    "van",
    "von",
    "der",
    "den",
    "da",
    "das",
    "dos",
    "di",
    "du",
    "st",
    "st.",
    "ter",
    "ten",
    "bin",
    "al",
    "y",
}

_TITLES_OR_SUFFIXES = frozenset(_TITLES | _SUFFIXES)


@dataclass(frozen=True, slots=True)
class NameParts:
    first: str | None
    middle: str | None
    last: str | None
    suffix: str | None


def _norm(token: str) -> str:
    return token.lower().strip(".,")


def _peel_suffixes(tokens: list[str]) -> tuple[list[str], str | None]:
    suffixes: list[str] = []
    while len(tokens) > 1 and _norm(tokens[-1]) in _SUFFIXES:
        suffixes.insert(0, tokens.pop().strip(","))
    return tokens, " ".join(suffixes) or None


def _given_parts(tokens: list[str]) -> tuple[str | None, str | None]:
    if not tokens:
        return None, None
    return tokens[0], " ".join(tokens[1:]) or None


def split_full_name(full_name: str | None) -> NameParts:
    """First/middle/last/suffix of a free-text name. Titles are dropped; particles stay with the surname."""
    return NameParts(*name_parts(full_name))


def name_parts(full_name: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """split_full_name's (first, middle, last, suffix) as a plain tuple."""
    if not full_name or not full_name.strip():
        return (None, None, None, None)
    two = full_name.split()
    if len(two) == 2 and "," not in full_name:  # "Ana Gomez", the usual case, as split_name_steps gives
        first, last = two
        special = _TITLES_OR_SUFFIXES  # _norm inline: this runs once per distinct name of every file
        if first.lower().strip(".,") not in special and last.lower().strip(".,") not in special:
            return (first, None, last, None)
    parts = split_name_steps(full_name)
    return (parts.first, parts.middle, parts.last, parts.suffix)


def split_name_steps(full_name: str) -> NameParts:
    """split_full_name of a non-blank name, every step taken (the reference of its two-word shortcut)."""
    text = re.sub(r"\s+", " ", full_name.strip())
    if "," in text:
        head, _, tail = text.partition(",")
        tail_tokens = tail.split()
        if tail_tokens and all(_norm(t) in _SUFFIXES for t in tail_tokens):
            # "First Last, Jr." - the comma only separates a suffix
            tokens, suffix = _peel_suffixes(head.split())
            suffix = " ".join([*(suffix.split() if suffix else []), *(t.strip(",") for t in tail_tokens)])
            return _split_given_first(tokens, suffix or None)
        # "Last, First Middle [Suffix]" (suffix may sit on either side of the comma)
        last_tokens, suffix_head = _peel_suffixes(head.split())
        given = [t for t in tail_tokens if _norm(t) not in _TITLES]
        given, suffix_tail = _peel_suffixes(given)
        first, middle = _given_parts(given)
        suffix = " ".join(s for s in (suffix_head, suffix_tail) if s) or None
        return NameParts(first, middle, " ".join(last_tokens) or None, suffix)
    tokens = [t for t in text.split() if _norm(t) not in _TITLES] or text.split()
    tokens, suffix = _peel_suffixes(tokens)
    return _split_given_first(tokens, suffix)


def _split_given_first(tokens: list[str], suffix: str | None) -> NameParts:
    if len(tokens) == 1:
        return NameParts(tokens[0], None, None, suffix)
    # The surname starts at the first particle after the first name, else it is the last token.
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if _norm(tokens[i]) in _PARTICLES:
            start = i
            break
    first, middle = _given_parts(tokens[:start])
    return NameParts(first, middle, " ".join(tokens[start:]), suffix)
