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
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import polars as pl

from orchestration.ingest.timestamp_formats import hand_convertible

_ASCII_SPACE = r"[\t\n\x0B\x0C\r ]"
_RUST_ESCAPE = set(r"\.+*?()|[]{}^$#&-~")


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
    if not hand_convertible(fmt):
        return None
    kinds = frozenset(re.findall(r"%(.)", fmt))
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


# Each directive's zero-padded form: the first alternatives of strptime's own regex for it, so a text
# matching the fixed layout is split by strptime exactly at the fixed positions.
_PADDED = {
    "Y": r"[0-9]{4}",
    "m": r"(?:0[1-9]|1[0-2])",
    "d": r"(?:0[1-9]|[12][0-9]|3[01])",
    "H": r"(?:[01][0-9]|2[0-3])",
    "I": r"(?:0[1-9]|1[0-2])",
    "M": r"[0-5][0-9]",
    "S": r"[0-5][0-9]",
}


@dataclass(frozen=True)
class FixedLayout:
    """The format as `strftime` writes it: a strict regex and each directive's (offset, width)."""

    pattern: str
    fields: dict[str, tuple[int, int]]


def _either_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


@cache
def fixed_layout(fmt: str) -> FixedLayout | None:
    """None when `format_regex` declines the format or a name directive has words of unequal length."""
    spec = format_regex(fmt)
    if spec is None:
        return None
    words = {"b": list(spec.months), "p": [spec.am, spec.pm]}
    parts, fields, offset, i = [r"\A"], {}, 0, 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            kind = fmt[i + 1]
            if kind in words:
                choices = words[kind]
                if len({len(w) for w in choices}) != 1 or not all(
                    w.isascii() and w.isalpha() for w in choices
                ):
                    return None
                parts.append("(?:" + "|".join(_either_case(w) for w in choices) + ")")
                width = len(choices[0])
            else:
                parts.append(_PADDED[kind])
                width = 4 if kind == "Y" else 2
            fields[kind] = (offset, width)
            offset += width
            i += 2
        elif char.isspace():
            while i < len(fmt) and fmt[i].isspace():
                i += 1
            parts.append(" ")
            offset += 1
        else:  # format_regex accepted it: an ASCII literal
            parts.append(
                _either_case(char) if char.isalpha() else ("\\" + char if char in _RUST_ESCAPE else char)
            )
            offset += 1
            i += 1
    parts.append(r"\z")
    return FixedLayout("".join(parts), fields)


def _parse_captured(texts: pl.Series, spec: FormatRegex) -> pl.Series:
    """The general path: strptime's groups captured by the narrowed regex."""
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
        pl.col("Y").is_not_null().alias("ok"),
    )
    return _local_of_parts(ints)


@cache
def _fixed_parts(fmt: str) -> list[pl.Expr]:
    """The fixed path's first step on column "t": each part as an integer, and whether the text has the
    layout (built once per format)."""
    spec, layout = format_regex(fmt), fixed_layout(fmt)
    assert spec is not None and layout is not None
    text, fields = pl.col("t"), layout.fields

    def part(kind: str, default: int) -> pl.Expr:
        if kind not in fields:
            return pl.lit(default, dtype=pl.Int64)
        return text.str.slice(*fields[kind]).cast(pl.Int64, strict=False)

    if "b" in fields:
        names, numbers = list(spec.months), list(spec.months.values())
        word = text.str.slice(*fields["b"]).str.to_lowercase()
        month = word.replace_strict(names, numbers, default=None, return_dtype=pl.Int64)
    else:
        month = part("m", 1)
    if "I" in fields:
        hour12 = part("I", 0)
        ampm = text.str.slice(*fields["p"]).str.to_lowercase() if "p" in fields else pl.lit("")
        hour = pl.when(ampm == spec.pm).then(hour12 % 12 + 12).otherwise(hour12 % 12)
    else:
        hour = part("H", 0)
    parts = (part("Y", 1), month, part("d", 1), hour, part("M", 0), part("S", 0))
    named = [p.alias(name) for p, name in zip(parts, _PART_NAMES, strict=True)]
    return [*named, text.str.contains(layout.pattern).alias("ok")]


_PART_NAMES = ("Y", "m", "d", "H", "M", "S")


@cache
def _valid_parts() -> pl.Expr:
    y, m, d, sec = pl.col("Y"), pl.col("m"), pl.col("d"), pl.col("S")
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = 28 + (m + m // 8) % 2 + 2 % m + 2 * (1 // m) + ((m == 2) & leap).cast(pl.Int64)
    return (pl.col("ok") & (y > 1) & (y < 9999) & (sec <= 59) & (d <= month_days)).alias("valid")


@cache
def _datetime_of_parts() -> pl.Expr:
    valid = pl.col("valid")
    day, second = pl.when(valid).then(pl.col("d")).otherwise(1), pl.when(valid).then(pl.col("S")).otherwise(0)
    moment = pl.datetime(pl.col("Y"), pl.col("m"), day, pl.col("H"), pl.col("M"), second, time_unit="us")
    return pl.when(valid).then(moment).otherwise(None).alias("t")


def _local_of_parts(parts: pl.DataFrame) -> pl.Series:
    """Step two of both paths: integer columns Y m d H M S and "ok" (the text matched) to a naive datetime,
    null where the parts are no valid datetime (an impossible day, a leap second). The years 1 and 9999
    are left undecided too: moving them to UTC can overflow, which the per-value path must report.
    (Parts are computed once, in step one: one expression re-deriving each from its text at every use,
    or nesting the validity test, costs several times more.)"""
    return parts.with_columns(_valid_parts()).select(_datetime_of_parts()).to_series()


def _parse_fixed(texts: pl.Series, fmt: str) -> pl.Series:
    """The common path: texts exactly as strftime writes them, cut at fixed offsets (null elsewhere)."""
    parts = texts.alias("t").to_frame().select(_fixed_parts(fmt))
    return _local_of_parts(parts)


def parse_local(texts: pl.Series, fmt: str) -> pl.Series:
    """Naive datetimes (us) of `parse_with_format(text, fmt)`; null where not decided here (including every
    null text)."""
    spec = format_regex(fmt)
    if spec is None:
        return pl.Series(texts.name, [None] * len(texts), dtype=pl.Datetime("us"))
    layout = fixed_layout(fmt)
    if layout is None:
        return _parse_captured(texts, spec).alias(texts.name)
    out = _parse_fixed(texts, fmt)
    if out.null_count() > texts.null_count():  # some texts not as strftime writes them
        out = out.fill_null(_parse_captured(texts, spec))
    return out.alias(texts.name)


@lru_cache(maxsize=65536)
def _constant_offset_us(day: date, zone: ZoneInfo) -> int | None:
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
    frame = local.alias("t").to_frame()
    unique_days = frame.select(pl.col("t").dt.date().drop_nulls().unique()).to_series().to_list()
    offsets = [_constant_offset_us(d, zone) for d in unique_days]
    offset = pl.col("t").dt.date().replace_strict(unique_days, offsets, default=None, return_dtype=pl.Int64)
    utc = (pl.col("t").cast(pl.Int64) - offset).cast(pl.Datetime("us"))
    return frame.select(utc).to_series().alias(local.name)


# `datetime.fromisoformat` shapes exports write, each with one obvious reading: aware with an offset or
# Z (parse_timestamp turns Z into +00:00), or naive (read in the profile's zone).
_ISO_DATE = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_ISO_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_ISO_AWARE = rf"\A{_ISO_DATE}T{_ISO_TIME}:[0-5][0-9](?:[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]|Z)\z"
_ISO_NAIVE = rf"\A{_ISO_DATE}[T ]{_ISO_TIME}(?::[0-5][0-9])?\z"


@cache
def _iso_parts() -> list[pl.Expr]:
    text = pl.col("t")

    def part(offset: int, width: int) -> pl.Expr:
        return text.str.slice(offset, width).cast(pl.Int64, strict=False)

    aware, naive = text.str.contains(_ISO_AWARE), text.str.contains(_ISO_NAIVE)
    seconds = pl.when(text.str.len_chars() >= 19).then(part(17, 2)).otherwise(0)
    sign = pl.when(text.str.slice(19, 1) == "-").then(-1).otherwise(1)
    offset_min = pl.when(text.str.ends_with("Z")).then(0).otherwise(sign * (part(20, 2) * 60 + part(23, 2)))
    return [
        part(0, 4).alias("Y"),
        part(5, 2).alias("m"),
        part(8, 2).alias("d"),
        part(11, 2).alias("H"),
        part(14, 2).alias("M"),
        seconds.alias("S"),
        (aware | naive).alias("ok"),
        aware.alias("aware"),
        pl.when(aware).then(offset_min).otherwise(0).alias("offset_min"),
    ]


def parse_iso_utc(texts: pl.Series, zone: ZoneInfo) -> pl.Series:
    """Naive UTC datetimes of `parse_timestamp(text, None, profile)` for the plain ISO shapes; null for
    every other text (the per-value path reads those)."""
    parts = texts.alias("t").to_frame().select(_iso_parts())
    local = parts.with_columns(_local_of_parts(parts))
    split = local.select(
        pl.when("aware").then(None).otherwise("t").alias("naive"),
        pl.when("aware").then(pl.col("t").cast(pl.Int64) - pl.col("offset_min") * 60_000_000).alias("aware"),
    )
    naive_utc = local_to_utc(split["naive"], zone)
    aware_utc = split["aware"].cast(pl.Datetime("us"))
    return naive_utc.fill_null(aware_utc).alias(texts.name)
