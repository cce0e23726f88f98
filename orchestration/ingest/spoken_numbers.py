"""Numbers as callers say them in voicemail transcripts: phone digits, days and years in words.

Works on lower-case tokens (see `tokens`), so punctuated and unpunctuated ASR output behave the same.
"""

from __future__ import annotations

import re

DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
REPEATS = {"double": 2, "triple": 3}
FILLERS = frozenset({"um", "uh", "er", "erm", "ah", "uhh", "umm", "hmm", "mm"})
# Possessive (never gives back): nothing after each part needs it back, so the tokens are the plain
# pattern's; re skips the backtracking bookkeeping (~15% faster).
_TOKEN = re.compile(r"[a-z]++(?:'[a-z]++)*+|\d++(?:[/.-]\d++)*+(?:st|nd|rd|th)?+")
_DIGIT_GROUP = re.compile(r"\d+(?:[-.]\d+)*")
_ONE_DIGIT = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_YEAR = re.compile(r"\d{4}|\d{2}")
_UNITS = {w: int(d) for w, d in DIGITS.items() if w not in ("oh", "o", "zero")}
# Words a digit run can start at (besides digit groups): elsewhere `digit_run` stops at once.
RUN_STARTS = frozenset(DIGITS) | frozenset(TEENS) | frozenset(TENS) | frozenset(REPEATS) | FILLERS


def tokens(text: str) -> list[str]:
    """Lower-case words and digit groups ("3/3/61", "555-0142" stay whole); other punctuation and
    hyphens separate words ("sixty-one" -> sixty, one)."""
    return _TOKEN.findall(text.lower())


def digit_run(words: list[str], i: int) -> tuple[str, int]:
    """Digits spoken from words[i]: digit words, "oh", "double/triple X", digit groups, teens and tens
    ("five twelve" = 512, "twenty one" = 21), fillers skipped. Returns (digits, index after the run)."""
    out: list[str] = []
    n = len(words)
    j = i
    while j < n:
        w = words[j]
        if w in FILLERS:
            j += 1
            continue
        if w in DIGITS:
            out.append(DIGITS[w])
        elif _DIGIT_GROUP.fullmatch(w):
            out.append(_NON_DIGIT.sub("", w))
        elif w in REPEATS and j + 1 < n and (words[j + 1] in DIGITS or _ONE_DIGIT.fullmatch(words[j + 1])):
            d = DIGITS.get(words[j + 1], words[j + 1])
            out.append(d * REPEATS[w])
            j += 1
        elif w in TEENS:
            out.append(str(TEENS[w]))
        elif w in TENS:
            if j + 1 < n and words[j + 1] in _UNITS:
                out.append(str(TENS[w] + _UNITS[words[j + 1]]))
                j += 1
            else:
                out.append(str(TENS[w]))
        elif w == "hundred" and out and len(out[-1]) == 1:
            out.append("00")
        else:
            break
        j += 1
    while j > i and words[j - 1] in FILLERS:
        j -= 1
    return "".join(out), j


def number_below_100(words: list[str], i: int) -> tuple[int | None, int]:
    """A cardinal or ordinal 1-99 in words or digits ("twenty first", "21st", "thirty", "3rd")."""
    if i >= len(words):
        return None, i
    w = words[i]
    m = _DAY.fullmatch(w)
    if m:
        return int(m.group(1)), i + 1
    if w in TENS:
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt in _UNITS:
            return TENS[w] + _UNITS[nxt], i + 2
        if nxt in ORDINALS and ORDINALS[nxt] < 10:
            return TENS[w] + ORDINALS[nxt], i + 2
        return TENS[w], i + 1
    if w in ORDINALS:
        return ORDINALS[w], i + 1
    if w in TEENS:
        return TEENS[w], i + 1
    if w in _UNITS:
        return _UNITS[w], i + 1
    return None, i


def spoken_year(words: list[str], i: int) -> tuple[int | None, int]:
    """A year: "1961", "61", "nineteen sixty one", "nineteen oh five", "two thousand five",
    "twenty twelve". Two-digit forms come back as 0-99 for the caller to resolve."""
    if i >= len(words):
        return None, i
    w = words[i]
    if _YEAR.fullmatch(w):
        return int(w), i + 1
    if w in ("nineteen", "twenty") and i + 1 < len(words):
        century = 1900 if w == "nineteen" else 2000
        nxt = words[i + 1]
        if nxt in ("oh", "o") and i + 2 < len(words) and words[i + 2] in _UNITS:
            return century + _UNITS[words[i + 2]], i + 3
        if nxt == "hundred":
            return century, i + 2
        rest, j = number_below_100(words, i + 1)
        if rest is not None and rest >= 10 and words[i + 1] not in ORDINALS:
            return century + rest, j
    if w == "two" and i + 1 < len(words) and words[i + 1] == "thousand":
        j = i + 2
        if j < len(words) and words[j] == "and":
            j += 1
        rest, k = number_below_100(words, j)
        return (2000 + rest, k) if rest is not None else (2000, j)
    if w in TENS:  # "sixty one" alone: a two-digit year
        value, j = number_below_100(words, i)
        return value, j
    return None, i
