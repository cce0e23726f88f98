"""Bulk web-form times and dates (arrow_date_columns) give what the per-value Python conversions give:
the ISO-with-offset column against fromisoformat + astimezone(UTC), the numeric date against strptime;
every value they do not decide is reported undecided (the caller converts it per value)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.arrow_date_columns import iso_offset_utc, numeric_date_column, numeric_date_parser


def _python_utc(value: object) -> datetime | None:
    """lead_value_columns' per-value ISO conversion for an offset text (None when it raises)."""
    if value is None:
        return None
    try:
        return (
            datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
            .astimezone(UTC)
            .replace(tzinfo=None)
        )
    except (ValueError, OverflowError):
        return None


def _check_iso(values: list) -> None:
    found = iso_offset_utc(values)
    assert found is not None
    stamps, undecided = found
    got = stamps.to_pylist()
    for position, value in enumerate(values):
        if position in set(undecided.tolist()):
            assert got[position] is None
            continue
        # Decided: exactly Python's answer (a null value stays null).
        assert got[position] == _python_utc(value), value
        assert value is None or got[position] is not None


def _iso(moment: datetime, offset_min: int, zulu: bool) -> str:
    if zulu:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = "-" if offset_min < 0 else "+"
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    )


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
            st.integers(-23 * 60 - 59, 23 * 60 + 59),
            st.booleans(),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_iso_offsets_match_fromisoformat(stamps: list) -> None:
    _check_iso([_iso(*s) for s in stamps])


_ISO_CHARS = st.text(alphabet="0123456789-T:+Z ", min_size=18, max_size=26)


@settings(deadline=None)
@given(st.lists(st.one_of(_ISO_CHARS, st.none(), st.text(max_size=26)), min_size=1, max_size=20))
def test_odd_texts_are_undecided_or_exact(values: list) -> None:
    _check_iso(values)


@pytest.mark.parametrize(
    "value",
    [
        "2025-02-30T10:00:00-06:00",  # Arrow/numpy would roll over; Python rejects
        "2025-02-29T10:00:00-06:00",
        "2024-02-29T10:00:00-06:00",
        "2025-01-01T24:00:00-06:00",
        "2025-01-01T10:00:60-06:00",
        "2025-01-01T10:00:00+24:00",
        "0001-01-01T00:30:00+01:00",  # UTC falls before year 1: Python overflows
        "9999-12-31T23:30:00-01:00",
        "2025-01-01t10:00:00z",
        " 2025-01-01T10:00:00-06:00",
        "2025-01-01T10:00:00.5-06:00",
        "２０２５-01-01T10:00:00-06:00",  # non-ASCII digits
    ],
)
def test_edge_values(value: str) -> None:
    _check_iso([value, "2025-01-01T10:00:00-06:00"])


def test_a_column_with_other_types_is_not_decided_in_bulk() -> None:
    stamps, undecided = iso_offset_utc([5, "2025-01-01T10:00:00Z", True])
    assert undecided.tolist() == [0, 2]
    assert stamps.to_pylist()[1] == datetime(2025, 1, 1, 10)


def _strptime_date(text: str, fmt: str) -> date | None:
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


@pytest.mark.parametrize("fmt", ["%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d"])
@given(
    st.one_of(
        st.dates(min_value=date(1, 1, 1)).map(lambda d: (d.month, d.day, d.year)),
        st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 12000)),
    ),
    st.sampled_from(["{m}", "{m:02d}", " {m}"]),
    st.sampled_from(["{d}", "{d:02d}", " {d}"]),
)
def test_numeric_dates_match_strptime(fmt: str, parts: tuple, month_shape: str, day_shape: str) -> None:
    month, day, year = parts
    parse = numeric_date_parser(fmt)
    assert parse is not None
    fields = {"m": month_shape.format(m=month), "d": day_shape.format(d=day), "Y": f"{year:04d}"}
    text = fmt.replace("%m", fields["m"]).replace("%d", fields["d"]).replace("%Y", fields["Y"])
    found = parse(text)
    # Decided: strptime's date. Undecided (None): left to strptime, whatever it says.
    assert found is None or found == _strptime_date(text, fmt)
    if found is None and _strptime_date(text, fmt) is not None:
        assert " " in text  # the only shape strptime takes that the quick parser leaves to it


@given(st.text(alphabet="0123456789/ .-", max_size=12))
def test_any_text_is_strptime_or_undecided(text: str) -> None:
    parse = numeric_date_parser("%m/%d/%Y")
    assert parse is not None
    found = parse(text)
    assert found is None or found == _strptime_date(text, "%m/%d/%Y")


def test_other_formats_have_no_quick_parser() -> None:
    assert numeric_date_parser("%Y-%m-%d %H:%M") is None
    assert numeric_date_parser("%m/%d/%y") is None
    assert numeric_date_parser("%m/%d-%Y") is None


def test_iso_empty_column() -> None:
    assert iso_offset_utc([]) is None


def test_epoch_arithmetic_across_a_century_leap_rule() -> None:
    values = [
        (datetime(1900, 2, 28) + timedelta(days=d)).strftime("%Y-%m-%dT12:00:00+00:00") for d in range(3)
    ]
    _check_iso(values)
    assert iso_offset_utc(values)[0].to_pylist()[1] == datetime(1900, 3, 1, 12)


_date_texts = st.one_of(
    st.dates(min_value=date(1, 1, 1)).map(lambda d: (d.month, d.day, d.year)),
    st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 12000)),
)


@pytest.mark.parametrize("fmt", ["%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%d/%m"])
@given(
    st.lists(
        st.one_of(
            _date_texts,
            st.none(),
            st.integers(),
            st.text(alphabet="0123456789/ .-", max_size=11),
            st.text(max_size=10),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_date_column_is_the_quick_parser_or_undecided(fmt: str, values: list) -> None:
    texts = [
        fmt.replace("%m", f"{v[0]:02d}").replace("%d", f"{v[1]:02d}").replace("%Y", f"{v[2]:04d}")
        if isinstance(v, tuple)
        else v
        for v in values
    ]
    convert, parse = numeric_date_column(fmt), numeric_date_parser(fmt)
    assert convert is not None and parse is not None
    found = convert(texts)
    assert found is not None
    dates, undecided = found
    got, left = dates.to_pylist(), set(undecided.tolist())
    for position, text in enumerate(texts):
        if position in left:
            assert got[position] is None and text is not None
        elif text is None:
            assert got[position] is None
        else:  # decided: the quick parser's date (so strptime's), never a guess
            assert got[position] is not None and got[position] == parse(text), text


def test_date_column_decides_the_usual_texts() -> None:
    convert = numeric_date_column("%m/%d/%Y")
    assert convert is not None
    values = ["07/04/1961", None, "02/29/2000", "02/29/1900", "7/4/1961", 5, "02/04/0000", "13/01/2000"]
    dates, undecided = convert(values)
    assert dates.to_pylist()[:3] == [date(1961, 7, 4), None, date(2000, 2, 29)]
    assert undecided.tolist() == [3, 4, 5, 6, 7]  # year 0: strptime raises, as date() does
    assert numeric_date_column("%Y-%m-%d %H:%M") is None
    assert convert([]) is None
