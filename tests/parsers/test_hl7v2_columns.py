"""The columnar HL7 v2 path (the ingest path) gives exactly the rows and line errors of the typed
reference path (hl7v2_parse + hl7v2_rows), on real samples and on generated messages of every shape."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import hl7v2_columns
from orchestration.ingest.hl7v2_columns import parse_hl7v2_columns
from orchestration.ingest.hl7v2_parse import Hl7FormatError
from orchestration.ingest.hl7v2_rows import reference_rows
from orchestration.settings import REPO_ROOT

ZONE = ZoneInfo("America/Chicago")
FIXTURES = Path(__file__).parents[1] / "fixtures" / "hl7v2"
REAL = REPO_ROOT.parent / "shared" / "realdata" / "hl7v2"  # all 139 real samples, where present
SAMPLES = sorted(FIXTURES.glob("*.hl7")) + (sorted(REAL.glob("*.hl7")) if REAL.is_dir() else [])


def _tables(parsed) -> dict[str, pa.Table]:
    out = {}
    for table, rows in parsed.rows.items():
        if len(rows):
            out[table.name] = rows.table if hasattr(rows, "table") else table.to_arrow(rows)
    return out


def _assert_same(data: bytes, name: str = "f.hl7") -> None:
    try:
        ref = reference_rows(data, name, ZONE)
    except Hl7FormatError as exc:
        with pytest.raises(Hl7FormatError) as got:
            parse_hl7v2_columns(data, name, ZONE)
        assert str(got.value) == str(exc)
        return
    for _ in range(2):  # the second time with the per-process caches warm
        new = parse_hl7v2_columns(data, name, ZONE)
        assert new.errors == ref.errors
        expected, got = _tables(ref), _tables(new)
        assert expected.keys() == got.keys()
        for key, table in expected.items():
            assert got[key].schema.equals(table.schema)
            assert got[key].to_pylist() == table.to_pylist(), key


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_samples_give_the_reference_rows(path: Path) -> None:
    _assert_same(path.read_bytes(), path.name)


def test_caches_stay_bounded(monkeypatch) -> None:
    monkeypatch.setattr(hl7v2_columns, "_CACHE_MAX", 2)
    for n in range(5):
        msg = _siu(
            ctrl=f"C{n}", pid=f"PID|1||P{n}^^^X^MR||FAM{n}^GIVEN", ais=f"AIS|1|A|S{n}^Svc|20250106080000"
        )
        _assert_same(msg.encode())
    assert len(hl7v2_columns._PATIENTS) <= 2 and len(hl7v2_columns._RESOURCES) <= 2


def _siu(ctrl: str = "C1", pid: str = "", ais: str = "", trigger: str = "S12", version: str = "2.5.1") -> str:
    segments = [
        f"MSH|^~\\&|APP|FAC|R|RF|20250101120000-0600||SIU^{trigger}^SIU_S12|{ctrl}|P|{version}",
        "SCH|1^X|2^X|||||C^Reason|T^Type|60|min|^^60^20250106080000-0600|||||||||||||||Booked",
        pid,
        ais,
    ]
    return "\r".join(s for s in segments if s) + "\r"


# Values that exercise every rule: components, sub-components, repetitions, escapes, HL7 null, blanks.
_BIT = st.sampled_from(["", "A", "b c", " pad ", '""', "7", "1679290811", "NPI", "Booked", "NOSHOW", "dc"])
_ODD = st.sampled_from(["^", "&", "~", "\\F\\", "\\S\\", "\\E\\", "\\.br\\", "\\X41\\", "\\H\\"])
_VALUE = st.lists(st.one_of(_BIT, _BIT, _ODD), max_size=4).map("".join)
_DTM = st.sampled_from(
    ["", "20250106080000-0600", "20250106080000", "202501060800", "20250106", "2025",
     "20250106083000.25+0100", "20251301", "x", "20250106090000-0600~20250107", " 20250106080000 "]
)  # fmt: skip
_MINUTES = st.sampled_from(["", "60", "45", "1.5", "x"])
_UNIT = st.sampled_from(["", "min", "mins", "h", "hours", "s", "d", "fortnight", "min^minutes", "^min"])


def _fields(*values: str) -> str:
    return "|".join(values).rstrip("|")


@st.composite
def _segment(draw) -> str:
    kind = draw(
        st.sampled_from(["SCH", "TQ1", "PID", "AIS", "AIG", "AIL", "AIP", "NTE", "PV1", "ZXX", "RGS"])
    )
    v = lambda: draw(_VALUE)  # noqa: E731
    if kind == "SCH":
        values = [
            v(),
            v(),
            "",
            "",
            "",
            "",
            v(),
            v(),
            draw(_MINUTES),
            draw(_UNIT),
            f"^^{v()}^{draw(_DTM)}^{draw(_DTM)}",
        ]
        return _fields("SCH", *values, *([""] * 13), v())
    if kind == "TQ1":
        return _fields(
            "TQ1", "1", "", "", "", "", "", draw(_DTM), draw(_DTM), *([""] * 4), f"{draw(_MINUTES)}^{v()}"
        )
    if kind == "PID":
        phones = f"{v()}^PRN^PH^^1^{draw(st.sampled_from(['', '512']))}^{v()}~{v()}"
        address = f"{v()}&{v()}&{v()}^{v()}^{v()}^{v()}^{v()}^{v()}"
        name = f"{v()}&x^{v()}^{v()}"
        ids = f"{v()}^^^X^{v()}"
        return _fields("PID", "1", v(), ids, "", name, "", draw(_DTM), v(), "", "", address, "", phones)
    if kind in ("AIS", "AIG", "AIL", "AIP"):
        start_f, _dur, _status = {
            "AIS": (4, 7, 10),
            "AIG": (8, 11, 14),
            "AIL": (6, 9, 12),
            "AIP": (6, 9, 12),
        }[kind]
        values = ["1", "A", f"{v()}^{v()}^{v()}", f"{v()}^{v()}"] + [""] * 12
        values[start_f - 1] = draw(_DTM)
        values[_dur - 1], values[_dur], values[_status - 1] = draw(_MINUTES), draw(_UNIT), v()
        return _fields(kind, *values)
    if kind == "NTE":
        return _fields("NTE", "1", v(), v())
    return _fields(kind, v(), v())


@st.composite
def _message(draw) -> str:
    mtype = draw(st.sampled_from(["SIU", "SIU", "SIU", "siu", "ADT", "REF", "ORU", ""]))
    trigger = draw(st.sampled_from(["S12", "S15", "s26", "S99", "A01", "I12", ""]))
    version = draw(st.sampled_from(["2.5.1", "2.3", "2.4", "", "2.8"]))
    ctrl = draw(st.sampled_from(["C1", "C2", "", " ", "C^3"]))
    msh = f"MSH|^~\\&|{draw(_VALUE)}|{draw(_VALUE)}|R|RF|{draw(_DTM)}||{mtype}^{trigger}^X|{ctrl}|P|{version}"
    if draw(st.booleans()):  # other declared delimiters go through the reference in both paths
        msh = draw(st.sampled_from([msh, "MSH#^~\\&#A", "MSH|^~\\&", "MSH|^~|A|B|C|D|E||SIU^S12|C9|P|2.5"]))
    return "\r".join([msh, *draw(st.lists(_segment(), max_size=8))])


@settings(max_examples=300, deadline=None)
@given(st.lists(_message(), min_size=1, max_size=4), st.sampled_from(["\r", "\n", "\r\n"]), st.booleans())
def test_generated_messages_give_the_reference_rows(messages: list[str], end: str, junk_first: bool) -> None:
    text = ("PV1|stray" + end if junk_first else "") + end.join(m.replace("\r", end) for m in messages) + end
    _assert_same(text.encode())


def test_non_utf8_bytes_take_the_reference_path() -> None:
    msg = _siu(pid="PID|1||P1^^^X^MR||M\xfcller^ANNA").replace("2.5.1", "2.5.1|||||||8859/1")
    _assert_same(msg.encode("latin-1"))
    _assert_same(msg.replace("8859/1", "").encode("latin-1"))


def test_empty_and_headerless_files_raise_as_the_reference() -> None:
    for data in (b"", b" \r\n", b"PID|1||X\r"):
        _assert_same(data)
