"""The speed-ups of HL7 v2 field access and DTM parsing give exactly what the plain versions give."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import hl7v2_columns, hl7v2_times
from orchestration.ingest.hl7v2_extract import _xtn
from orchestration.ingest.hl7v2_fields import components, get, pick
from orchestration.ingest.hl7v2_parse import _lines
from orchestration.ingest.hl7v2_records import Hl7Insurance, Hl7Merge, Hl7Resource
from orchestration.ingest.hl7v2_rows import (
    _dumps,
    _insurance_dict,
    _json,
    _merge_dict,
    _resource_dict,
    to_utc,
)
from orchestration.ingest.hl7v2_segments import (
    Encoding,
    Hl7Time,
    Segment,
    _parse_dtm_regex,
    component,
    digits,
    parse_date,
    parse_dtm,
    unescape,
)
from orchestration.ingest.hl7v2_times import Times, time_dict, time_json

# The regex _lines replaced: its oracle.
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
ENC = Encoding()
DIGITS = st.text(alphabet="0123456789", min_size=4, max_size=16)
OFFSETS = st.sampled_from(["", "+0000", "-0600", "+0530", "-1500", "+099", "+1260", "-05:00"])
ODD = st.text(alphabet="0123456789+-. ²٣Tx", max_size=20)


@settings(max_examples=400)
@given(st.one_of(st.builds(lambda d, o: d + o, DIGITS, OFFSETS), ODD))
def test_parse_dtm_fast_path_equals_regex(text: str) -> None:
    assert parse_dtm(text) == _parse_dtm_regex(text.strip())


def test_parse_dtm_common_shapes() -> None:
    t = parse_dtm("20250102143500-0600")
    assert t is not None and (t.precision, t.offset_min, t.value.hour) == ("second", -360, 14)
    assert parse_dtm("20250230") is None  # impossible date
    assert parse_dtm("20250102+1500") is None  # offset out of range
    assert parse_dtm("2025010²") is None  # non-ASCII digit never reaches int()


def _reference_get(seg: Segment, n: int, comp: int, sub: int, rep: int) -> str | None:
    """The straightforward definition: split repetitions, components, subcomponents in turn."""
    reps = seg.reps(n)
    if rep >= len(reps):
        return None
    comps = reps[rep].split(seg.enc.component)
    if comp > len(comps):
        return None
    subs = comps[comp - 1].split(seg.enc.subcomponent)
    if sub > len(subs):
        return None
    value = subs[sub - 1].strip()
    if not value or value == '""':
        return None
    return unescape(value, seg.enc)


FIELD = st.text(alphabet='ab ^~&\\"FSE', max_size=12)


@settings(max_examples=300)
@given(
    st.sampled_from(["PID", "MSH", "AIP"]),
    st.lists(FIELD, max_size=6),
    st.integers(0, 7),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
)
def test_segment_get_equals_reference(
    name: str, fields: list[str], n: int, comp: int, sub: int, rep: int
) -> None:
    text = ("MSH|^~\\&|" if name == "MSH" else f"{name}|") + "|".join(fields)
    seg = Segment(text, ENC, 1)
    assert seg.get(n, comp, sub, rep) == _reference_get(seg, n, comp, sub, rep)


def test_component_reads_subcomponents() -> None:
    assert component("a&b^c", ENC, 1, 2) == "b"
    assert component("a", ENC, 2) is None
    assert component("a", ENC, 1, 2) is None


TEXT = st.one_of(st.none(), st.text(max_size=8))
TIMES = st.one_of(
    st.none(),
    st.builds(
        Hl7Time,
        st.datetimes(),
        st.sampled_from(["day", "minute", "second"]),
        st.one_of(st.none(), st.integers(-900, 900)),
    ),
)
RESOURCES = st.builds(Hl7Resource, TEXT.map(str), TEXT, TEXT, TEXT, TEXT, TEXT, TIMES, TEXT)
INSURANCE = st.builds(Hl7Insurance, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT)
MERGES = st.builds(Hl7Merge, TEXT, TEXT)


def _reference_json(items: list) -> str | None:
    return json.dumps([asdict(i) for i in items], default=str, separators=(",", ":")) if items else None


@settings(max_examples=200)
@given(st.lists(RESOURCES, max_size=4), st.lists(INSURANCE, max_size=3), st.lists(MERGES, max_size=3))
def test_hand_built_json_equals_asdict(resources: list, insurance: list, merges: list) -> None:
    assert _json(resources, _resource_dict) == _reference_json(resources)
    assert _json(insurance, _insurance_dict) == _reference_json(insurance)
    assert _json(merges, _merge_dict) == _reference_json(merges)


def test_hand_built_dicts_name_every_field() -> None:
    # A field added to a record must be added to its hand-built dict too (the JSON columns keep all).
    time = Hl7Time(datetime(2025, 1, 2, 3, 4), "minute", None)
    samples = [
        (Hl7Resource("location", "c", "n", "r", "f", "1", time, "s"), _resource_dict),
        (Hl7Insurance("1", "2", "3", "4", "5", "6"), _insurance_dict),
        (Hl7Merge("a", "b"), _merge_dict),
    ]
    for record, as_dict in samples:
        assert list(as_dict(record)) == [f.name for f in fields(record)]


FIELD_TEXT = st.text(alphabet='ab ^&~\\"F', max_size=14)


@settings(max_examples=400)
@given(
    st.lists(FIELD_TEXT, min_size=1, max_size=5),
    st.integers(0, 6),
    st.integers(1, 4),
    st.integers(1, 3),
)
def test_pick_on_components_equals_get(f: list[str], n: int, comp: int, sub: int) -> None:
    """The PID columns read a field's components once (components + pick) instead of get per column."""
    assert pick(components(f, n), comp, sub) == get(f, n, comp, sub)


@settings(max_examples=300)
@given(st.one_of(st.builds(lambda d, o: d + o, DIGITS, OFFSETS), ODD, st.just("20250106080000.1234-0600")))
def test_time_json_equals_the_encoder(text: str) -> None:
    """Times' JSON in resources_json is written by hand: byte for byte what the JSON encoder writes."""
    t = parse_dtm(text)
    assert time_json(t) == _dumps(time_dict(t))


@settings(max_examples=500)
@given(st.text(alphabet="\r\nMSH|a ", max_size=40))
def test_lines_equal_the_regex_split(text: str) -> None:
    """_lines cuts at CRLF, CR and LF with str methods: the places the regex cuts, also in mixed files."""
    assert _lines(text) == _LINE_SPLIT.split(text)


@settings(max_examples=300)
@given(st.lists(st.one_of(st.builds(lambda d, o: d + o, DIGITS, OFFSETS), ODD, FIELD_TEXT), max_size=8))
def test_times_reads_as_the_plain_parse(raws: list[str]) -> None:
    """Times is a dict filled on first sight (__missing__): each value is what parse_dtm, to_utc and
    time_json give for the field read as Segment.get reads it, also after the cache was cleared when full."""
    zone = ZoneInfo("America/Chicago")
    times = Times(zone)
    for raw in raws * 2:
        t = parse_dtm(get([raw], 0))
        assert times[raw] == (t, to_utc(t, zone), time_json(t))
        assert len(times) <= hl7v2_times._CACHE_MAX


def test_times_cache_is_cleared_when_full(monkeypatch) -> None:
    monkeypatch.setattr(hl7v2_times, "_CACHE_MAX", 2)
    times = Times(ZoneInfo("UTC"))
    for raw in ("20250101", "20250102", "20250103", "20250101"):
        assert times[raw][0] == parse_dtm(raw)
        assert len(times) <= 2


@settings(max_examples=300)
@given(st.sampled_from(["AIS", "AIG", "AIL", "AIP"]), st.lists(FIELD_TEXT, min_size=0, max_size=16))
def test_resource_key_reads_what_the_static_part_reads(name: str, fields: list[str]) -> None:
    """Two resource segments with the same cache key (the itemgetter one of a full segment, the padded one of
    a short segment) have the same static part: the key holds every field _resource_static reads."""
    f = [name, *fields]
    padded = f + [""] * (16 - len(f))  # the same segment with its missing fields empty
    first = hl7v2_columns._resource_static(name, f, ("fresh", name, *f))
    assert hl7v2_columns._resource_static(name, padded, ("fresh", name, *padded)) == first
    start_f = hl7v2_columns._RESOURCE_FIELDS[name][1]
    other = list(padded)
    other[start_f] = "20250101"  # the start is not part of the key, nor of the static part
    assert hl7v2_columns._resource_key(name, other) == hl7v2_columns._resource_key(name, padded)
    assert hl7v2_columns._resource_static(name, other, ("fresh", name, *other)) == first


SECOND_DTM = st.builds(
    lambda d, s, z: d + s + z,
    st.text(alphabet="0123456789", min_size=14, max_size=14),
    st.sampled_from("+-"),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)


@settings(max_examples=500)
@given(
    st.one_of(
        SECOND_DTM, st.builds(lambda d: "2025010612" + d + "-0600", st.text("0123456789 ²x", max_size=6))
    )
)
def test_times_second_fast_path_equals_the_plain_parse(raw: str) -> None:
    """Times reads YYYYMMDDHHMMSS+/-ZZZZ without get and parse_dtm (impossible dates and offsets too)."""
    t = parse_dtm(get([raw], 0))
    assert Times(ZoneInfo("America/Chicago"))[raw][0] == t
    if len(raw) == 19:
        fast = hl7v2_times._second_dtm(raw)
        assert fast is hl7v2_times._NOT_FAST or fast == t


XTN_TEXT = st.text(alphabet='0123456789^&\\ ()-+x²"E', max_size=30)


@settings(max_examples=500)
@given(XTN_TEXT)
def test_xtn_on_components_equals_the_reference(rep: str) -> None:
    assert hl7v2_columns._xtn_std(rep) == _xtn(rep, ENC)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 ()-+x²٣", max_size=14))
def test_digits_keeps_only_digits(text: str) -> None:
    only = "".join(ch for ch in text if ch.isdigit())
    assert digits(text) == ((only[1:] if len(only) == 11 and only.startswith("1") else only) or None)


@settings(max_examples=300)
@given(st.one_of(st.builds(lambda d, o: d + o, DIGITS, OFFSETS), ODD, FIELD_TEXT))
def test_dob_cache_reads_as_parse_date(raw: str) -> None:
    """PID-7 is read once a process (_dob): what parse_date(get(...)) reads of it, also when read again."""
    expected = parse_date(get([raw], 0))
    assert hl7v2_columns._dob(raw) == expected
    assert hl7v2_columns._dob(raw) == expected
    assert len(hl7v2_columns._DOBS) <= hl7v2_columns._CACHE_MAX
