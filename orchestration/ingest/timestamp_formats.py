"""`datetime.strptime` for the formats mapping profiles use, about ten times faster.

`datetime.strptime` re-checks the locale and walks its regex cache on every call; a vendor CSV calls it
for every timestamp of every row. Here each format is compiled once, with the very regex `strptime`
itself builds (so exactly the same texts are accepted), and only the plain numeric directives are
converted by hand. Any other directive, or a leap second, falls back to `datetime.strptime`, so the
result (value or ValueError) is always the one `strptime` gives.
"""

from __future__ import annotations

import _strptime
import re
from collections.abc import Callable
from datetime import datetime

_SUPPORTED = frozenset("YmdHMSIpb")
_DIRECTIVE = re.compile(r"%(.)")

Parser = Callable[[str], datetime]


def hand_convertible(fmt: str) -> bool:
    """Whether `fmt` converts by hand without ambiguity: each directive once, all plain numeric (or
    AM/PM, month abbreviation), a year, one kind of month and one kind of hour."""
    directives = _DIRECTIVE.findall(fmt)
    kinds = set(directives)
    return not (
        len(kinds) != len(directives)
        or not kinds <= _SUPPORTED
        or "Y" not in kinds
        or {"H", "I"} <= kinds
        or {"m", "b"} <= kinds
    )


def _compile(fmt: str) -> Parser:
    def slow(text: str) -> datetime:
        return datetime.strptime(text, fmt)

    if not hand_convertible(fmt):
        return slow
    time_re = _strptime._TimeRE_cache  # the instance strptime itself uses
    try:
        pattern = re.compile(time_re.pattern(fmt), re.IGNORECASE)
    except re.error:
        return slow
    months = [m.lower() for m in time_re.locale_time.a_month]
    am, pm = time_re.locale_time.am_pm
    twelve_hour = "%I" in fmt

    def parse(text: str) -> datetime:
        found = pattern.fullmatch(text)
        if found is None:
            return slow(text)  # raises the same ValueError strptime gives
        g = found.groupdict()
        second = int(g["S"]) if "S" in g else 0
        if second > 59:
            return slow(text)
        month = months.index(g["b"].lower()) if "b" in g else int(g.get("m", 1))
        if twelve_hour:
            hour = int(g["I"])
            ampm = g.get("p", "").lower()
            if ampm in ("", am):
                hour = 0 if hour == 12 else hour
            elif ampm == pm and hour != 12:
                hour += 12
        else:
            hour = int(g.get("H", 0))
        return datetime(int(g["Y"]), month, int(g.get("d", 1)), hour, int(g.get("M", 0)), second)

    return parse


_PARSERS: dict[str, Parser] = {}


def parser_for(fmt: str) -> Parser:
    """`parse_with_format` of one format as a function (for callers converting many values)."""
    parser = _PARSERS.get(fmt)
    if parser is None:
        parser = _PARSERS[fmt] = _compile(fmt)
    return parser


def parse_with_format(text: str, fmt: str) -> datetime:
    """Same as `datetime.strptime(text, fmt)` (value or ValueError)."""
    parser = _PARSERS.get(fmt)
    if parser is None:
        parser = _PARSERS[fmt] = _compile(fmt)
    return parser(text)
