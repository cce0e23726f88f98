"""webforms_lines.ByteLines (a web-form file's lines as bytes, str on access) is text_lines of the
decoded file, and its raw_json Arrow column is pa.array of those lines; a file with a b"\\r" is left to
text_lines. Random text includes U+2028, U+0085 and other characters str.splitlines cuts at."""

from __future__ import annotations

import json

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.json_lines_read import text_lines
from orchestration.ingest.lead_value_columns import _arrow
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.webforms import map_webforms
from orchestration.ingest.webforms_lines import ByteLines
from orchestration.settings import REPO_ROOT
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
        assert _arrow(values, kind).equals(pa.array(values, type=kind))


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
