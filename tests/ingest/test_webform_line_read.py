"""The one-map read of a web-form file (webforms._object_lines) gives what the line loop gives (the
reference: json.loads' values, line numbers, texts), and declines every file the loop would read
differently (blank lines, bad lines, non-objects, NaN). Lines with a 19-digit run (a long integer, or
an id inside a string) are read by json, the others by orjson."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest.json_lines_read import text_lines
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.webforms import _object_lines, _read_line_by_line, read_webform_lines
from orchestration.settings import REPO_ROOT
from tests.ingest.test_webforms import form_row

PROFILE = {p.name: p for p in load_profiles(REPO_ROOT / "config")}["generic_webform"]


def _both(data: bytes) -> tuple:
    text = data.decode("utf-8-sig")
    return _object_lines(data, text, PROFILE), _read_line_by_line(data, text, PROFILE)


def _assert_agrees(data: bytes) -> bool:
    """True when the one-map read decided the file; then it is exactly the loop's reading."""
    fast, slow = _both(data)
    if fast is None:
        return False
    assert slow.errors == []
    assert fast.lines == slow.lines
    assert fast.texts == slow.texts
    assert repr(fast.rows) == repr(slow.rows)  # repr: 1 and 1.0, True and 1 told apart
    return True


_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**22), 10**22),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
_lines = st.one_of(
    st.builds(json.dumps, st.dictionaries(st.text(max_size=6), _values, max_size=5)),
    st.builds(
        lambda o: json.dumps(form_row(**o)), st.dictionaries(st.sampled_from(["name", "zip"]), _values)
    ),
    st.sampled_from(["", "   ", "{oops", "[1, 2]", "7", '"text"', '{"a": 1,}', '{"a": 1} {"b": 2}', "\t"]),
    st.builds(lambda d: "  " + json.dumps(d) + " ", st.dictionaries(st.text(max_size=3), st.integers())),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_one_map_read_is_the_line_loop_or_declines(lines: list[str], newline: str, bom: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode("utf-8", "surrogatepass")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # read_webform_lines raises on both paths alike (decode comes first)
    _assert_agrees(data)


def test_generator_shaped_files_take_the_one_map_read() -> None:
    rows = [form_row(submission_id=f"WF-{i}", zip=None, sms_opt_in=i % 2 == 0) for i in range(5)]
    assert _assert_agrees("\n".join(json.dumps(r) for r in rows).encode() + b"\n")


def test_other_files_are_declined_and_read_by_the_loop() -> None:
    good = json.dumps(form_row())
    for odd in ["", "  ", "{oops", "[1]", '{"x": NaN}']:
        data = "\n".join([good, odd, good]).encode()
        assert _both(data)[0] is None, odd
    out = read_webform_lines(f'{good}\n{{"big": 12345678901234567890, {good[1:]}'.encode(), "w", PROFILE)
    assert out.rows[1]["big"] == 12345678901234567890  # exact, as json reads it
    out = read_webform_lines(f"{good}\n\n{{oops\n{good}".encode(), "w", PROFILE)
    assert out.lines == [1, 4]
    assert [(e.line, e.reason) for e in out.errors] == [(3, "malformed JSON")]


def test_long_digit_runs_are_read_by_json_on_their_lines_only() -> None:
    """A 19-digit run sends its own line to json (exact integers past 64 bits) and no other: the file
    still takes the one-map read. With a BOM and CRLF too."""
    good = json.dumps(form_row())
    long_id = json.dumps(form_row(submission_id="sub_c1234567890123456789012"))
    big = '{"big": 12345678901234567890, ' + good[1:]
    for newline, bom in [("\n", b""), ("\r\n", b"\xef\xbb\xbf")]:
        data = bom + newline.join([good, long_id, good, big, good]).encode()
        assert _assert_agrees(data)
        rows = _both(data)[0].rows
        assert rows[3]["big"] == 12345678901234567890 and isinstance(rows[3]["big"], int)
        assert rows[1]["submission_id"] == "sub_c1234567890123456789012"


def test_a_raw_line_separator_inside_a_field_keeps_the_submission_whole() -> None:
    """A pasted U+2028 / U+0085 in a free-text field is legal raw JSON: both reads keep the submission
    whole (str.splitlines cut it into two malformed lines)."""
    odd = form_row(submission_id="WF-2", reason="knee pain\u2028since May\x85worse")
    data = "\n".join([json.dumps(form_row()), json.dumps(odd, ensure_ascii=False), ""]).encode()
    assert _assert_agrees(data)
    out = read_webform_lines(data, "w", PROFILE)
    assert out.errors == [] and out.lines == [1, 2]
    assert out.rows[1]["reason"] == "knee pain\u2028since May\x85worse"


@given(st.lists(st.text(max_size=12), max_size=6), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_text_lines_cut_where_bytes_splitlines_cuts(parts: list[str], newline: str, trailing: bool) -> None:
    text = newline.join(parts) + (newline if trailing else "")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: not a decodable file
    assert text_lines(text) == [line.decode("utf-8") for line in data.splitlines()]
