"""Element value types of X12: dates (D8, RD8) and decimals (R). Errors cite positions, never values."""

from __future__ import annotations

import re
from datetime import date

from orchestration.x12.segments import X12Error

_DECIMAL = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z")


def decimal_value(value: str, what: str, position: int) -> float:
    if _DECIMAL.match(value) is None:
        raise X12Error(f"{what} at segment {position} is not a decimal number")
    return float(value)


def parse_date(value: str, what: str, position: int) -> date:
    """CCYYMMDD -> date."""
    if len(value) != 8 or not value.isdigit():
        raise X12Error(f"{what} at segment {position} is not a CCYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise X12Error(f"{what} at segment {position} is not a valid date") from None


def date_range_start_end(fmt: str, value: str, what: str, position: int) -> tuple[date, date | None]:
    """DTP D8 (one date) or RD8 (CCYYMMDD-CCYYMMDD)."""
    if fmt == "RD8":
        start, _, end = value.partition("-")
        return parse_date(start, what, position), parse_date(end, what, position)
    return parse_date(value, what, position), None
