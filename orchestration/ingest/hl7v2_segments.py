"""HL7 v2 building blocks: delimiters from MSH, escape sequences, lazy field access, DTM timestamps.

Kept apart from message extraction so the property tests can build messages with the same escaping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

_DTM = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$")
_PRECISIONS = ("year", "month", "day", "hour", "minute", "second")


@dataclass(frozen=True, slots=True)
class Encoding:
    """Delimiters declared by MSH-1 and MSH-2 (never assumed to be |^~\\&)."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_msh(cls, line: str) -> Encoding:
        """Read MSH-1 (the 4th character) and MSH-2 (up to the next field separator)."""
        if len(line) < 8 or not line.startswith("MSH"):
            raise ValueError("MSH segment too short")
        sep = line[3]
        chars = line[4:].split(sep, 1)[0]
        if not chars or sep.isalnum() or sep in chars:
            raise ValueError("MSH-1/MSH-2 do not declare usable delimiters")
        delims = chars[:4]
        if len(set(sep + delims)) != len(delims) + 1:
            raise ValueError("MSH-2 repeats a delimiter")
        pad = delims + "\x00" * (4 - len(delims))  # absent delimiters can never match text
        enc = cls(sep, pad[0], pad[1], pad[2], pad[3])
        return enc


def unescape(value: str, enc: Encoding) -> str:
    """Resolve \\F\\ \\S\\ \\T\\ \\R\\ \\E\\, \\.br\\ and \\Xhh\\; formatting/charset escapes are dropped."""
    esc = enc.escape
    if esc not in value:
        return value
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        end = value.find(esc, i + 1) if ch == esc else -1
        if end == -1:
            out.append(ch)
            i += 1
            continue
        code = value[i + 1 : end]
        simple = {"F": enc.field, "S": enc.component, "T": enc.subcomponent, "R": enc.repetition, "E": esc}
        if code in simple:
            out.append(simple[code])
        elif code == ".br":
            out.append("\n")
        elif code.startswith("X") and len(code) % 2 == 1:
            try:
                out.append(bytes.fromhex(code[1:]).decode("utf-8", errors="replace"))
            except ValueError:
                out.append(value[i : end + 1])
        elif code in ("H", "N") or code[:1] in ("C", "M", "Z") or code.startswith("."):
            pass  # highlighting, charset switches, local and formatting escapes carry no data for us
        else:
            out.append(value[i : end + 1])
        i = end + 1
    return "".join(out)


def escape(value: str, enc: Encoding) -> str:
    """Inverse of unescape for plain text (used to build messages: generator and tests)."""
    esc = enc.escape
    pairs = (
        (esc, f"{esc}E{esc}"),
        (enc.field, f"{esc}F{esc}"),
        (enc.component, f"{esc}S{esc}"),
        (enc.subcomponent, f"{esc}T{esc}"),
        (enc.repetition, f"{esc}R{esc}"),
    )
    out = []
    for ch in value:
        for raw, coded in pairs:
            if ch == raw:
                out.append(coded)
                break
        else:
            out.append(f"{esc}.br{esc}" if ch == "\n" else ch)
    return "".join(out)


class Segment:
    """One segment; fields split eagerly, components only when read. Numbers follow the standard
    (PID-5 is field 5; for MSH, MSH-1 is the field separator itself)."""

    __slots__ = ("enc", "fields", "line", "name")

    def __init__(self, text: str, enc: Encoding, line: int) -> None:
        self.enc = enc
        self.line = line
        parts = text.split(enc.field)
        self.name = parts[0]
        # MSH-1 is the separator, so MSH-2 sits where other segments keep field 1.
        self.fields = [parts[0], enc.field, *parts[1:]] if self.name == "MSH" else parts

    def raw(self, n: int) -> str:
        return self.fields[n] if n < len(self.fields) else ""

    def reps(self, n: int) -> list[str]:
        value = self.raw(n)
        if not value:
            return []
        if self.name == "MSH" and n <= 2:
            return [value]
        return value.split(self.enc.repetition)

    def get(self, n: int, comp: int = 1, sub: int = 1, rep: int = 0) -> str | None:
        """Unescaped text at field n, repetition rep (0-based), component and subcomponent (1-based)."""
        # Hot path (hundreds of thousands of calls a file set): `reps` inlined, splitting only when needed.
        fields = self.fields
        if n >= len(fields):
            return None
        value = fields[n]
        if not value:
            return None
        if n > 2 or self.name != "MSH":
            mark = self.enc.repetition
            if rep or mark in value:
                reps = value.split(mark)
                if rep >= len(reps):
                    return None
                value = reps[rep]
        elif rep:
            return None
        return component(value, self.enc, comp, sub)


def component(rep_text: str, enc: Encoding, comp: int = 1, sub: int = 1) -> str | None:
    """Component/subcomponent of one field repetition, unescaped; '' and HL7 null ("") become None."""
    mark = enc.component
    if mark in rep_text:
        comps = rep_text.split(mark)
        if comp > len(comps):
            return None
        value = comps[comp - 1]
    elif comp == 1:
        value = rep_text
    else:
        return None
    mark = enc.subcomponent
    if mark in value:
        subs = value.split(mark)
        if sub > len(subs):
            return None
        value = subs[sub - 1]
    elif sub != 1:
        return None
    value = value.strip()
    if not value or value == '""':
        return None
    return unescape(value, enc) if enc.escape in value else value


@dataclass(slots=True)
class Hl7Time:
    """An HL7 DTM: the wall time as written, how much of it was given, and its UTC offset if given."""

    value: datetime  # naive, in the sender's local time (or at the offset below)
    precision: str  # year | month | day | hour | minute | second | fraction
    offset_min: int | None  # minutes east of UTC, when the timestamp carried +/-ZZZZ

    def utc(self) -> datetime | None:
        """Naive UTC, or None when no offset was given (the sender's time zone is then unknown)."""
        if self.offset_min is None:
            return None
        return self.value - timedelta(minutes=self.offset_min)

    def aware(self) -> datetime | None:
        if self.offset_min is None:
            return None
        return self.value.replace(tzinfo=timezone(timedelta(minutes=self.offset_min))).astimezone(UTC)


_FAST_PRECISION = {8: "day", 12: "minute", 14: "second"}  # the DTM lengths senders nearly always use


def parse_dtm(text: str | None) -> Hl7Time | None:
    """YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]; anything else (or an impossible date) -> None."""
    if not text:
        return None
    text = text.strip()
    # Fast path without the regex for plain ASCII digits of a common length, with or without an offset.
    body, zone = (text[:-5], text[-5:]) if len(text) > 5 and text[-5] in "+-" else (text, None)
    precision = _FAST_PRECISION.get(len(body))
    if (
        precision
        and body.isascii()
        and body.isdigit()
        and (zone is None or (zone.isascii() and zone[1:].isdigit()))
    ):
        hour = int(body[8:10]) if len(body) > 8 else 0
        minute = int(body[10:12]) if len(body) > 8 else 0
        second = int(body[12:14]) if len(body) > 12 else 0
        return _dtm(int(body[:4]), int(body[4:6]), int(body[6:8]), hour, minute, second, 0, precision, zone)
    return _parse_dtm_regex(text)


def _parse_dtm_regex(text: str) -> Hl7Time | None:
    m = _DTM.match(text)
    if not m:
        return None
    parts = m.groups()
    given = [p for p in parts[:6] if p is not None]  # the regex fills groups left to right
    year, month, day, hour, minute, second = (
        int(p) if p else d for p, d in zip(parts[:6], (0, 1, 1, 0, 0, 0), strict=True)
    )
    micro = int((parts[6] or "0").ljust(6, "0")) if parts[6] else 0
    precision = "fraction" if parts[6] else _PRECISIONS[len(given) - 1]
    return _dtm(year, month, day, hour, minute, second, micro, precision, parts[7])


def _dtm(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    micro: int,
    precision: str,
    zone: str | None,
) -> Hl7Time | None:
    try:
        value = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    offset = None
    if zone:
        sign = -1 if zone[0] == "-" else 1
        hh, mm = int(zone[1:3]), int(zone[3:5])
        if hh > 14 or mm > 59:
            return None
        offset = sign * (hh * 60 + mm)
    return Hl7Time(value, precision, offset)


def parse_date(text: str | None) -> date | None:
    """The calendar date of a DT/DTM (DOB, referral dates); needs at least YYYYMMDD."""
    t = parse_dtm(text)
    if t is None or t.precision in ("year", "month"):
        return None
    return t.value.date()


def digits(text: str | None) -> str | None:
    """Phone digits only; a leading US country code 1 on 11 digits is dropped."""
    if not text:
        return None
    only = text if text.isdigit() else "".join(ch for ch in text if ch.isdigit())
    if len(only) == 11 and only.startswith("1"):
        only = only[1:]
    return only or None
