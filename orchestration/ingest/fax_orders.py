"""Therapy orders read off a fax: "2-3 times a week for 4 wks" -> "3x/week x 4 weeks".

Frequencies as digits, words ("three times a week", "twice weekly"), abbreviations (BIW, TIW), ranges
(the upper bound, as the generator and staff read them) and OCR's slips in each; the duration after
"x", "for" or a "Duration" label, as digits or words.
"""

from __future__ import annotations

import re

_NUM_WORDS = {"once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "four": 4, "five": 5, "thrice": 3}
_NUM_WORDS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_FREQ_ABBR = {"qw": 1, "qwk": 1, "biw": 2, "tiw": 3}
_N = r"(\d|once|one|twice|two|three|thrice|four|five)"
# "times" and "week" tolerate a misread letter or two ("tiines", "wcek").
# "3 sessions per week" too, as OCR reads it ("sesslons").
_TIMES = r"(?:x|t[a-z]{2,4}s|ses+[il1][o0]ns?|v[il1]s[il1]ts?|treatments?)"
_WEEK = r"(?:w[a-z]{1,3}k|wk)"
_RANGE = re.compile(
    rf"{_N}\s*(?:-|to)\s*{_N}\s*{_TIMES}[\s./]*(?:p[ec][r!]|pe!|a|each)?[\s./:]*{_WEEK}", re.I
)
_FREQ = re.compile(
    rf"(?:(\d|one|two|three|four|five)[\s.]*{_TIMES}|(once|twice|thrice))[\s./]*(?:p[ec][r!]|pe!|a|each)?[\s./:]*{_WEEK}"
    r"|(\d)\s*/\s*(?:w[a-z]{1,3}k|wk)\b",  # "3/wk": visits a week without the "x"
    re.I,
)
# BIW/TIW with the I read as l, 1, | or "li" ("TlW", "TliW").
_ABBR = re.compile(r"\b(qwk|qw|b[il1|]{1,2}w|t[il1|]{1,2}w)(?=\s*x|\b)", re.I)
# "w" then up to four letters: weeks, wks, wk, and OCR's "wecks".
# The count as digits or a word, a range taking its upper end ("4-6 wks"), after "x", "for" or a
# "Duration" label.
_COUNT = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_DURATION = re.compile(
    rf"(?:x|for|for\s+the\s+next|duration)[\s.:]*(?:{_COUNT}\s*(?:-|to)\s*)?{_COUNT}[\s.,-]*w[a-z]{{0,4}}\b",
    re.I,
)


def _num(word: str) -> int:
    return int(word) if word.isdigit() else _NUM_WORDS[word.lower()]


def normalise_orders(text: str) -> str | None:
    """'2-3 times a week for 4 wks' -> '3x/week x 4 weeks' (ranges take the upper bound)."""
    # OCR writes 1 as l, I or | before "x" ("lx/week").
    text = re.sub(r"(?<![A-Za-z])[lI|i](?=\s?[xX]\b|\s?[xX]\s?/)", "1", text)
    # ... and before a count's noun: "treat l times per week", "I would like l sessions per week".
    count_noun = r"(?:times?|ses+[il1][o0]ns?|v[il1]s[il1]ts?|treatments?)\b"
    text = re.sub(rf"(?<![A-Za-z0-9])[lI|](?=\s+{count_noun})", "1", text)
    text = re.sub(r"(?<=\s)[lI|](?=\d)|(?<=\d)[lI|](?=\s|w)", "1", text)  # "l2 weeks"
    flat = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text.lower())
    n: int | None = None
    if m := _RANGE.search(flat):
        n = max(_num(m[1]), _num(m[2]))
        rest = flat[m.end() :]
    elif m := _FREQ.search(flat):
        n = _num(m[1] or m[2] or m[3])
        rest = flat[m.end() :]
    elif m := _ABBR.search(flat):
        n = _FREQ_ABBR[re.sub(r"[il1|]+", "i", m[1].lower())]
        rest = flat[m.end() :]
    if n is None or not 1 <= n <= 7:
        return None
    d = _DURATION.search(rest)
    weeks = max(_num(d[1] or d[2]), _num(d[2])) if d else 0
    if not 1 <= weeks <= 52:
        return None
    return f"{n}x/week x {weeks} weeks"
