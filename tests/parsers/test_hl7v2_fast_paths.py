"""The speed-ups of HL7 v2 field access and DTM parsing give exactly what the plain versions give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.hl7v2_segments import (
    Encoding,
    Segment,
    _parse_dtm_regex,
    component,
    parse_dtm,
    unescape,
)

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
