"""Web-form fast paths against their references. webforms_lines.ByteLines (a file's lines as bytes, str
on access) is text_lines of the decoded file, and its raw_json Arrow column is pa.array of those lines;
a file with a b"\\r" is left to text_lines (random text includes U+2028, U+0085 and other characters
str.splitlines cuts at). Files under lead_value_columns._BULK_ROWS convert times and dates per value,
larger ones in bulk: both are the per-row path's records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest import lead_value_columns, webforms
from orchestration.ingest.json_lines_read import text_lines
from orchestration.ingest.lead_value_columns import _arrow
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.webforms import map_webforms
from orchestration.ingest.webforms_lines import ByteLines
from orchestration.settings import REPO_ROOT
from tests.ingest.test_columnar_parity import assert_same
from tests.ingest.test_columnar_webforms_parity import _file, _iso, _moments, _row
from tests.ingest.test_webforms import form_row

PROFILE = {p.name: p for p in load_profiles(REPO_ROOT / "config")}["generic_webform"]
_odd = st.sampled_from(
    ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "é", "\U0001f600", " ", "{", "\t"]
)
_part = st.lists(st.one_of(st.text(max_size=6), _odd), max_size=4).map("".join)


@settings(deadline=None)
@given(st.lists(_part, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans())
def test_byte_lines_are_text_lines(parts: list[str], newline: str, trailing: bool, bom: bool) -> None:
    text = newline.join(parts) + (newline if trailing else "")
    try:
        data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: not a decodable file
    lines = ByteLines.of(data)
    if b"\r" in data:
        assert lines is None
        return
    assert lines is not None
    expected = text_lines(data.decode("utf-8-sig"))
    assert list(lines) == expected and lines == expected and len(lines) == len(expected)
    assert [lines[i] for i in range(len(lines))] == expected and lines[1:] == expected[1:]
    assert lines.arrow().equals(pa.array(expected, type=pa.string()))


def test_a_second_bom_stays_in_the_first_line() -> None:
    data = b"\xef\xbb\xbf\xef\xbb\xbf{}\n"
    assert list(ByteLines.of(data) or []) == text_lines(data.decode("utf-8-sig")) == ["\ufeff{}"]


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=5)), max_size=5))
def test_null_columns_as_arrow_are_pa_array(values: list) -> None:
    for kind in (pa.string(), pa.bool_(), pa.date32(), pa.list_(pa.string())):
        if kind != pa.string() and any(v is not None for v in values):
            continue
        assert _arrow(values, kind, False).equals(pa.array(values, type=kind))


def test_non_ascii_and_crlf_forms_map_alike() -> None:
    """raw_json from the bytes (any UTF-8) and from text_lines (a CRLF file) hold the same texts."""
    rows = [form_row(submission_id="WF-1", reason="dolor de rodilla \u2028 ñ"), form_row()]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    by_bytes = map_webforms(body.encode(), "w.jsonl", PROFILE, columnar=True)
    by_text = map_webforms(body.replace("\n", "\r\n").encode(), "w.jsonl", PROFILE, columnar=True)
    reference = map_webforms(body.encode(), "w.jsonl", PROFILE, columnar=False)
    parsed = (by_bytes, by_text, reference)
    (table, got), (_, crlf), (_, expected) = (next(iter(p.rows.items())) for p in parsed)
    assert got.table.equals(crlf.table)
    assert got.table.equals(table.to_arrow(expected))
    assert got.table["raw_json"].to_pylist() == body.split("\n")


@contextmanager
def _bulk_rows(rows: int) -> Iterator[None]:
    """lead_value_columns._BULK_ROWS set for one block: whole-column time/date conversion from this many
    rows (0: every file; the parity tests' files are mostly smaller than the default)."""
    saved = lead_value_columns._BULK_ROWS
    lead_value_columns._BULK_ROWS = rows
    try:
        yield
    finally:
        lead_value_columns._BULK_ROWS = saved


_dobs = st.one_of(
    st.dates(min_value=date(1, 1, 1)).map(lambda d: f"{d.month:02d}/{d.day:02d}/{d.year:04d}"),
    st.sampled_from(["", " ", "2/3/1961", "02/30/1961", "1961-07-04", "07/04/61", "٠٧/04/1961", None, 1961]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_moments, st.integers(0, 6), st.integers(-23 * 60 - 59, 23 * 60 + 59), _dobs), min_size=1
    ),
    st.integers(1, 40),
)
def test_bulk_and_per_value_times_are_the_per_row_path(stamps: list, copies: int) -> None:
    """Small files convert received_at and dob per value, larger ones in bulk: either way the records are
    the per-row reference's (the files here both sides of _BULK_ROWS)."""
    rows = [_row(submitted_at=_iso(m, shape, offset), date_of_birth=dob) for m, shape, offset, dob in stamps]
    data = _file(rows * copies)
    for bulk_from in (0, 10**9, lead_value_columns._BULK_ROWS):
        with _bulk_rows(bulk_from):
            assert_same(map_webforms, data, "w.jsonl", PROFILE)


def test_ids_read_in_one_pass_or_row_by_row_alike() -> None:
    """Every row with a non-empty text id: taken as read (webforms._text_ids); any other file (a missing
    key, "", 0, a number, null) goes row by row; both as the per-row path."""
    plain = [_row(submission_id=f"WF-{i} ") for i in range(3)]
    assert_same(map_webforms, _file(plain), "w.jsonl", PROFILE)
    missing = {k: v for k, v in _row().items() if k != "submission_id"}
    for odd in (
        missing,
        _row(submission_id=""),
        _row(submission_id=0),
        _row(submission_id=12.5),
        _row(submission_id=None),
    ):
        assert_same(map_webforms, _file([*plain, odd]), "w.jsonl", PROFILE)


@settings(deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["1234567890", "123456789", "x", "é", " ", '"', "{}"]), max_size=8)),
    st.booleans(),
)
def test_long_runs_found_from_byte_line_lengths(lines: list[list[str]], bom: bool) -> None:
    """The lines holding a 19-digit run, found from the ByteLines' lengths (a file cut at b"\\n" only),
    are those the splitlines reference finds."""
    data = (b"\xef\xbb\xbf" if bom else b"") + "\n".join("".join(parts) for parts in lines).encode()
    masked = data.translate(webforms._DIGIT_MASK)
    lines = ByteLines.of(data)
    assert lines is not None
    first = masked.find(webforms._LONG_RUN)
    if first < 0:
        assert webforms._lines_with_long_runs(data, masked, len(lines)) == set()
        return
    by_lengths = webforms._newline_lines_with_long_runs(data, masked, first, lines.raw)
    assert by_lengths == webforms._lines_with_long_runs(data, masked, len(lines))
