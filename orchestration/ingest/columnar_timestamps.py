"""Timestamps and dates of a whole column at once, for the profile formats `timestamp_formats` hand-converts.

The column is matched against a regex built from the one `datetime.strptime` uses for the format, narrowed
to ASCII (digits [0-9], ASCII white space, letters in either case), so every text it accepts `strptime`
accepts too, with the same groups. Whatever it does not decide (no match, an impossible day, a leap
second, a day with a UTC-offset change, years at the ends of the range) is left to the caller's per-value
Python path, which stays the reference.
"""

from __future__ import annotations

import _strptime
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import polars as pl

_SUPPORTED = frozenset("YmdHMSIpb")
_ASCII_SPACE = r"[\t\n\x0B\x0C\r ]"
_RUST_ESCAPE = set(r"\.+*?()|[]{}^$#&-~")
_US_PER_S = 1_000_000


@dataclass(frozen=True)
class FormatRegex:
    pattern: str
    kinds: frozenset[str]
    months: dict[str, int]
    am: str
    pm: str


def _narrow_group(group: str) -> str | None:
    """strptime's regex for one directive, with \\d as [0-9] and letters matched in either case."""
    head, body = group[: group.index(">") + 1], group[group.index(">") + 1 :]
    out, i = [head], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            nxt = body[i + 1]
            if nxt == "d":
                out.append("[0-9]")
            elif nxt.isascii() and not nxt.isalnum():
                out.append("\\" + nxt)
            else:
                return None
            i += 2
            continue
        if not char.isascii():
            return None
        out.append(f"[{char.lower()}{char.upper()}]" if char.isalpha() else char)
        i += 1
    return "".join(out)


@cache
def format_regex(fmt: str) -> FormatRegex | None:
    """The column regex for `fmt`, or None when `timestamp_formats` would not hand-convert it either."""
    directives = re.findall(r"%(.)", fmt)
    kinds = frozenset(directives)
    if (
        len(kinds) != len(directives)
        or not kinds <= _SUPPORTED
        or "Y" not in kinds
        or {"H", "I"} <= kinds
        or {"m", "b"} <= kinds
    ):
        return None
    time_re = _strptime._TimeRE_cache  # the instance strptime itself uses
    parts, i = [r"\A"], 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            group = _narrow_group(time_re[fmt[i + 1]])
            if group is None:
                return None
            parts.append(group)
            i += 2
        elif char.isspace():  # strptime turns each run of white space into \s+
            while i < len(fmt) and fmt[i].isspace():
                i += 1
            parts.append(_ASCII_SPACE + "+")
        elif not char.isascii():
            return None
        else:
            parts.append(
                f"[{char.lower()}{char.upper()}]"
                if char.isalpha()
                else ("\\" + char if char in _RUST_ESCAPE else char)
            )
            i += 1
    parts.append(r"\z")
    months = {m.lower(): n for n, m in enumerate(time_re.locale_time.a_month) if m}
    am, pm = time_re.locale_time.am_pm
    return FormatRegex("".join(parts), kinds, months, am, pm)


def _days_from_civil(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; y >= 0)."""
    y = y - (m <= 2).cast(pl.Int64)
    era = y // 400
    yoe = y - era * 400
    mp = pl.when(m > 2).then(m - 3).otherwise(m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: pl.Expr, m: pl.Expr) -> pl.Expr:
    """Length of month m (1-12) of year y, in integer arithmetic (no lookup table to build per call)."""
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return 28 + (m + m // 8) % 2 + 2 % m + 2 * (1 // m) + ((m == 2) & leap).cast(pl.Int64)


def parse_local(texts: pl.Series, fmt: str) -> pl.Series:
    """Naive datetimes (us) of `parse_with_format(text, fmt)`; null where not decided here (including every
    null text). The years 1 and 9999 are left undecided: moving them to UTC can overflow."""
    spec = format_regex(fmt)
    if spec is None:
        return pl.Series(texts.name, [None] * len(texts), dtype=pl.Datetime("us"))
    groups = texts.str.extract_groups(spec.pattern).struct.unnest()
    kinds = spec.kinds

    def number(name: str, default: int) -> pl.Expr:
        if name not in kinds:
            return pl.lit(default, dtype=pl.Int64)
        return pl.col(name).str.strip_chars(" ").cast(pl.Int64, strict=False)

    year = number("Y", 1)
    if "b" in kinds:
        names, numbers = list(spec.months), list(spec.months.values())
        month = (
            pl.col("b").str.to_lowercase().replace_strict(names, numbers, default=None, return_dtype=pl.Int64)
        )
    else:
        month = number("m", 1)
    day = number("d", 1)
    if "I" in kinds:
        hour12 = number("I", 0)
        ampm = pl.col("p").str.to_lowercase() if "p" in kinds else pl.lit("")
        hour = (
            pl.when(ampm.is_in(["", spec.am]))
            .then(pl.when(hour12 == 12).then(0).otherwise(hour12))
            .when((ampm == spec.pm) & (hour12 != 12))
            .then(hour12 + 12)
            .otherwise(hour12)
        )
    else:
        hour = number("H", 0)
    minute, second = number("M", 0), number("S", 0)
    # Two steps: the numbers once, then the arithmetic on plain integer columns (one big expression
    # re-deriving every number from its text several times costs more than the regex).
    ints = groups.select(
        year.alias("Y"),
        month.alias("m"),
        day.alias("d"),
        hour.alias("H"),
        minute.alias("M"),
        second.alias("S"),
    )
    y, m, d, h, mi, sec = (pl.col(c) for c in ("Y", "m", "d", "H", "M", "S"))
    ok = (y > 1) & (y < 9999) & (d <= _days_in_month(y, m)) & (sec <= 59)
    seconds = _days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec
    return ints.select(
        pl.when(ok).then(seconds * _US_PER_S).otherwise(None).cast(pl.Datetime("us")).alias(texts.name)
    ).to_series()


def _constant_offset_us(day: datetime, zone: ZoneInfo) -> int | None:
    """The zone's UTC offset over the whole local day when it does not change (checked at every hour and
    the day's last microsecond), else None."""
    moments = [datetime.combine(day, time(h)) for h in range(24)] + [datetime.combine(day, time.max)]
    offsets = {zone.utcoffset(m) for m in moments}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return None if offset is None else offset // timedelta(microseconds=1)


def local_to_utc(local: pl.Series, zone: ZoneInfo) -> pl.Series:
    """`ts.replace(tzinfo=zone).astimezone(UTC)` made naive again, for each naive datetime; null where
    that day's offset changes (those go to the per-value path)."""
    if zone.key == "UTC":
        return local
    days = local.dt.date()
    unique_days = days.drop_nulls().unique().to_list()
    offsets = [_constant_offset_us(d, zone) for d in unique_days]
    offset = days.replace_strict(unique_days, offsets, default=None, return_dtype=pl.Int64)
    return (local.cast(pl.Int64) - offset).cast(pl.Datetime("us")).alias(local.name)
