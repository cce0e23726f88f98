"""The compiled profile-format parser gives exactly what datetime.strptime gives: value or ValueError."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.timestamp_formats import parse_with_format

# Every format the shipped profiles use, plus a few that must take the strptime fallback.
FORMATS = [
    "%m/%d/%Y",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%d-%b-%Y",
    "%d-%b-%Y %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%H:%M:%S",  # no year: fallback
    "%Y-%j",  # unsupported directive: fallback
    "%Y %% %m",  # literal percent: fallback
]


def _outcome(fn, text: str, fmt: str) -> datetime | str:
    try:
        return fn(text, fmt)
    except ValueError:
        return "ValueError"


def _strptime(text: str, fmt: str) -> datetime:
    return datetime.strptime(text, fmt)


PIECES = st.sampled_from(
    [
        "2025",
        "1999",
        "0",
        "1",
        "02",
        "12",
        "13",
        "29",
        "30",
        "31",
        "59",
        "60",
        "61",
        "/",
        "-",
        ":",
        " ",
        "  ",
        "AM",
        "pm",
        "Pm",
        "Jan",
        "FEB",
        "sept",
        "Dec",
        "T",
        "%",
        "x",
    ]
)


@settings(max_examples=600)
@given(st.sampled_from(FORMATS), st.lists(PIECES, max_size=12).map("".join))
def test_equals_strptime_on_arbitrary_text(fmt: str, text: str) -> None:
    assert _outcome(parse_with_format, text, fmt) == _outcome(_strptime, text, fmt)


@settings(max_examples=300)
@given(st.sampled_from(FORMATS[:8]), st.datetimes(datetime(1900, 1, 1), datetime(2100, 12, 31)))
def test_equals_strptime_on_formatted_values(fmt: str, value: datetime) -> None:
    text = value.strftime(fmt)
    assert parse_with_format(text, fmt) == datetime.strptime(text, fmt)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("3/4/2025 12:05 AM", "%m/%d/%Y %I:%M %p", datetime(2025, 3, 4, 0, 5)),
        ("03/04/2025 12:05 pm", "%m/%d/%Y %I:%M %p", datetime(2025, 3, 4, 12, 5)),
        ("04-mar-2025 17:30", "%d-%b-%Y %H:%M", datetime(2025, 3, 4, 17, 30)),
    ],
)
def test_known_values(text: str, fmt: str, expected: datetime) -> None:
    assert parse_with_format(text, fmt) == expected


def test_impossible_date_raises() -> None:
    with pytest.raises(ValueError):
        parse_with_format("02/30/2025", "%m/%d/%Y")
