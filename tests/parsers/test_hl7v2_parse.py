"""HL7 v2 parser: real FHIR-Converter samples (values checked by hand), framing variants, errors, escapes."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.hl7v2_parse import Hl7FormatError, parse_hl7v2
from orchestration.ingest.hl7v2_segments import Encoding, escape, parse_dtm

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hl7v2"
SAMPLES = sorted(p for p in FIXTURES.glob("*.hl7"))


def _one(name: str):
    parsed = parse_hl7v2((FIXTURES / name).read_bytes(), name)
    assert parsed.errors == []
    assert len(parsed.records) == 1
    return parsed.records[0]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses_into_its_kind(path: Path) -> None:
    parsed = parse_hl7v2(path.read_bytes(), path.name)
    assert parsed.errors == []
    assert parsed.records
    for msg in parsed.records:
        expected = {"REF": "referral", "SIU": "appointment", "ADT": "patient_update"}.get(
            msg.message_type, "unsupported"
        )
        assert msg.kind == expected
        assert msg.source_record_id


def test_ref_i12_values_read_by_hand() -> None:
    msg = _one("REF-I12-01.hl7")
    assert (msg.source_record_id, msg.message_type, msg.trigger, msg.structure, msg.version) == (
        "MSG00112",
        "REF",
        "I12",
        "REF_I12",
        "2.8",
    )
    assert msg.sent_at.value == datetime(2022, 1, 25, 16, 20)
    assert (msg.sent_at.precision, msg.sent_at.offset_min) == ("minute", 0)
    ref = msg.referral
    assert (ref.referral_id, ref.external_id, ref.status, ref.priority, ref.referral_type, ref.category) == (
        "226839",
        "11001",
        "P",
        "R",
        "Med",
        "O",
    )
    assert ref.reason == "Provider Ordered"
    assert (ref.referral_date, ref.expiration_date) == (date(2022, 1, 25), date(2022, 2, 10))
    p = ref.patient
    assert (p.patient_id, p.family, p.given, p.middle, p.dob, p.sex) == (
        "PATID1234",
        "EVERYMAN",
        "ADAM",
        "A",
        date(1961, 6, 15),
        "M",
    )
    address = (p.street, p.city, p.state, p.zip, p.country)
    assert address == ("115 MAINSTREET", "GOODTOWN", "KY", "42010", "USA")
    assert p.phone == "2706009800"  # XTN area 270 + local 6009800, component 1 empty
    assert (ref.referring.role, ref.referring.family, ref.referring.given) == ("RP", "POWELL", "ROBERT")
    assert ref.referring.phone == "6265551234"
    assert ref.referring.identifier == "PLN1001" and ref.referring.npi is None
    assert (ref.referred_to.family, ref.referred_to.given) == ("McWILLIAMS", "PAUL")
    assert [(d.code, d.coding_system) for d in ref.diagnoses] == [("K63.3", "I10")]
    ins = ref.insurance[0]
    assert (ins.plan_id, ins.plan_name, ins.company_name) == (
        "BAV",
        "Blue Advantage HMO",
        "Blue Cross Blue Shield of Texas",
    )
    assert (ins.member_id, ins.group_number) == ("548851236L", "Grp-12345")
    assert ref.notes[0] == "Lab Test for Ulcer"


def test_siu_s12_booked_values_read_by_hand() -> None:
    appt = _one("SIU-S12-01.hl7").appointment
    assert (appt.placer_id, appt.filler_id, appt.event, appt.status) == ("12345", "36996", "booked", "booked")
    assert appt.start.value == datetime(2021, 9, 24, 9, 30)
    assert appt.start.offset_min == 2 * 60 + 15
    assert appt.start.utc() == datetime(2021, 9, 24, 7, 15)
    assert appt.start_source == "TQ1-7"
    assert appt.duration_min == 50  # AIS-7/8: 50 min
    assert (appt.patient.patient_id, appt.patient.family, appt.patient.dob) == (
        "PATID1234",
        "EVERYMAN",
        date(1988, 8, 18),
    )
    kinds = {r.kind: r for r in appt.resources}
    assert (kinds["service"].code, kinds["service"].name) == ("76164006", "Biopsy of colon (procedure)")
    assert (kinds["location"].code, kinds["location"].name, kinds["location"].facility) == (
        "055",
        "Room01",
        "GH Clinic",
    )
    assert (kinds["personnel"].name, kinds["personnel"].role) == ("Robert GE", "Gastroenterologist")
    assert appt.notes[0] == "Appointment booked for emergency procedure"


def test_siu_s26_noshow_values_read_by_hand() -> None:
    appt = _one("SIU-S26-01.hl7").appointment
    assert (appt.event, appt.status) == ("noshow", "noshow")
    assert appt.start.value == datetime(2021, 9, 24, 9, 30)
    # The sender put this note in NTE-2 instead of NTE-3.
    assert appt.notes[0] == "Patient did not show up for the appointment."


@pytest.mark.parametrize(
    ("name", "event", "status"),
    [
        ("SIU-S13-01.hl7", "rescheduled", "booked"),
        ("SIU-S14-01.hl7", "modified", "booked"),
        ("SIU-S15-01.hl7", "cancelled", "cancelled"),
        ("SIU-S16-01.hl7", "discontinued", "discontinued"),
        ("SIU-S17-01.hl7", "deleted", "deleted"),
    ],
)
def test_siu_trigger_events_and_sch25_status(name: str, event: str, status: str) -> None:
    appt = _one(name).appointment
    assert (appt.event, appt.status) == (event, status)


def test_adt_a40_merge_values_read_by_hand() -> None:
    msg = _one("ADT-A40-02.hl7")
    upd = msg.patient_update
    assert (msg.source_record_id, upd.event_type) == ("8919-40", "A40")
    p = upd.patient
    assert (p.patient_id, p.family, p.given, p.middle, p.dob, p.sex) == (
        "12345",
        "Test",
        "Test",
        "A",
        date(2018, 2, 5),
        "F",
    )
    address = (p.street, p.city, p.state, p.zip, p.phone)
    assert address == ("123 Any Street", "Raleigh", "NC", "27615", "1111111111")
    assert upd.prior_patient_id == "56789"
    assert [(m.patient_id, m.prior_patient_id) for m in upd.merges] == [("12345", "56789"), ("145", "569")]


def test_adt_v23_with_bom_and_trailing_spaces_read_by_hand() -> None:
    msg = _one("ADT01-23.hl7")
    assert (msg.source_record_id, msg.version, msg.structure, msg.trigger) == ("599102", "2.3", None, "A01")
    assert msg.sent_at.value == datetime(2005, 1, 10, 4, 55, 4) and msg.sent_at.offset_min == 7 * 60
    p = msg.patient_update.patient
    person = (p.patient_id, p.family, p.given, p.middle, p.dob)
    assert person == ("10006579", "DUCK", "DONALD", "D", date(1924, 10, 10))
    assert (p.zip, p.phone) == ("999990000", "8885551212")
    assert [(d.code, d.coding_system) for d in msg.patient_update.diagnoses] == [("71596", "I9")]
    assert [i.member_id for i in msg.patient_update.insurance] == ["123121234A", "056269770", None]


def test_msh_text_inside_a_field_does_not_start_a_message() -> None:
    msg = _one("ADT04-23.hl7")  # PID and PV1 hold the value "MSH"
    assert msg.source_record_id == "Q123456789T123456789X123456"
    assert (msg.patient_update.patient.family, msg.patient_update.patient.phone) == ("BROS", "5555550123")


# --- framing variants derived from the samples ---------------------------------------------------------

BASES = ["REF-I12-01.hl7", "SIU-S12-01.hl7", "ADT01-23.hl7"]


def _segments(name: str) -> list[bytes]:
    raw = (FIXTURES / name).read_bytes().removeprefix(b"\xef\xbb\xbf")
    return [s for s in raw.replace(b"\r\n", b"\n").split(b"\n") if s.strip()]


def _ids(data: bytes) -> list[str]:
    parsed = parse_hl7v2(data, "variant.hl7")
    assert parsed.errors == []
    return [(m.source_record_id, m.kind) for m in parsed.records]


@pytest.mark.parametrize("name", BASES)
@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(lambda segs: b"\r".join(segs) + b"\r", id="cr"),
        pytest.param(lambda segs: b"\n".join(segs), id="lf"),
        pytest.param(lambda segs: b"\r\n".join(segs) + b"\r\n", id="crlf"),
        pytest.param(lambda segs: b"\xef\xbb\xbf" + b"\r".join(segs), id="bom"),
        pytest.param(lambda segs: b"\x0b" + b"\r".join(segs) + b"\r\x1c\r", id="mllp"),
    ],
)
def test_segment_endings_bom_and_mllp(name: str, frame) -> None:
    expected = _ids((FIXTURES / name).read_bytes())
    assert _ids(frame(_segments(name))) == expected


def test_many_messages_in_one_file_mllp_and_plain() -> None:
    messages = [b"\r".join(_segments(n)) for n in BASES]
    expected = [i for n in BASES for i in _ids((FIXTURES / n).read_bytes())]
    assert _ids(b"\r".join(messages)) == expected
    assert _ids(b"".join(b"\x0b" + m + b"\x1c\r" for m in messages)) == expected
    assert _ids(b"\xef\xbb\xbf" + b"\n".join(messages)) == expected
    batch = b"FHS|^~\\&|X\rBHS|^~\\&|X\r" + b"\r".join(messages) + b"\rBTS|3\rFTS|1\r"
    assert _ids(batch) == expected


def test_other_delimiters_declared_in_msh() -> None:
    # * fields, ! components, # repetitions, @ escape, $ subcomponents; | ^ & are plain text here.
    text = "MSH*!#@$*APP*FAC*****REF!I12*C1*P*2.5\rPID*1**77!!!!MR**DOE!JANE!Q**19800102*F\r"
    text += "NTE*1**a@F@b@S@c@E@d@T@e@R@f x|y^z&w"
    msg = parse_hl7v2(text.encode(), "x.hl7").records[0]
    assert (msg.trigger, msg.version) == ("I12", "2.5")
    p = msg.referral.patient
    assert (p.patient_id, p.id_type, p.family, p.given, p.middle) == ("77", "MR", "DOE", "JANE", "Q")
    assert msg.referral.notes == ["a*b!c@d$e#f x|y^z&w"]


def test_escape_sequences_are_resolved() -> None:
    text = r"MSH|^~\&|A|B|||20240102||REF^I12|C9|P|2.5.1" + "\r"
    text += r"PID|1||42||O\T\BRIEN^ANN\S\MARIE||19700101"
    text += "\r" + r"NTE|1||pipe \F\ tilde \R\ escape \E\ hex \X41\ line\.br\two \H\bold\N\ end"
    msg = parse_hl7v2(text.encode(), "x.hl7").records[0]
    p = msg.referral.patient
    assert (p.patient_id, p.family, p.given) == ("42", "O&BRIEN", "ANN^MARIE")
    assert msg.referral.notes == ["pipe | tilde ~ escape \\ hex A line\ntwo bold end"]


def test_sent_at_precision_and_offset() -> None:
    assert parse_dtm("2024") and parse_dtm("2024").precision == "year"
    t = parse_dtm("20210817151943.4+0200")
    assert t.value == datetime(2021, 8, 17, 15, 19, 43, 400000)
    assert (t.precision, t.offset_min) == ("fraction", 120)
    assert t.utc() == datetime(2021, 8, 17, 13, 19, 43, 400000)
    assert parse_dtm("20210817").utc() is None
    assert parse_dtm("20211317") is None and parse_dtm("2021081") is None and parse_dtm("nonsense") is None


# --- errors ---------------------------------------------------------------------------------------------


def test_empty_file_is_a_format_error() -> None:
    with pytest.raises(Hl7FormatError, match="empty"):
        parse_hl7v2(b"\xef\xbb\xbf \r\n", "empty.hl7")


def test_not_hl7_is_a_format_error_wrong_columns() -> None:
    with pytest.raises(Hl7FormatError, match="no MSH"):
        parse_hl7v2(b"From,To,Body\n+1512,+1512,hi\n", "sms.csv")


def test_malformed_messages_reported_good_ones_kept() -> None:
    good = b"\r".join(_segments("ADT01-23.hl7"))
    no_id = b"MSH|^~\\&|A|B|||20240101||ADT^A01||P|2.3\rPID|1||9"
    no_type = b"MSH|^~\\&|A|B|||20240101|||C2|P|2.3"
    bad_delims = b"MSH|^^\\&|A"
    data = b"PID|stray segment\r" + good + b"\r" + no_id + b"\r" + no_type + b"\r" + bad_delims + b"\r" + good
    parsed = parse_hl7v2(data, "mixed.hl7")
    assert [m.source_record_id for m in parsed.records] == ["599102", "599102"]
    lines = len(_segments("ADT01-23.hl7"))
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (1, "segment before any MSH"),
        (lines + 2, "MSH-10 control id missing"),
        (lines + 4, "MSH-9 message type missing"),
        (lines + 5, "unreadable message: ValueError"),
    ]
    assert all("DUCK" not in e.reason for e in parsed.errors)


def test_non_utf8_message_reported_unless_msh18_declares_8859() -> None:
    good = b"\r".join(_segments("ADT04-251.hl7"))
    latin = b"MSH|^~\\&|A|B|||20240101||ADT^A08|L1|P|2.5||||||8859/1\rPID|1||5||M\xfcller^J\xf6rg"
    broken = b"MSH|^~\\&|A|B|||20240101||ADT^A08|U1|P|2.5\rPID|1||6||M\xfcller^X"
    parsed = parse_hl7v2(good + b"\r" + latin + b"\r" + broken, "enc.hl7")
    ids = {m.source_record_id: m for m in parsed.records}
    assert set(ids) == {"1270326314", "L1"}
    latin_patient = ids["L1"].patient_update.patient
    assert (latin_patient.family, latin_patient.given) == ("Müller", "Jörg")
    assert [e.reason for e in parsed.errors] == ["not valid UTF-8 and MSH-18 names no 8859 charset"]


# --- property: any field text survives build -> parse ---------------------------------------------------

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029\x85"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s != '""')
_delims = st.permutations(list("|^~\\&#*!@$%")).map(lambda p: "".join(p[:5]))


@settings(max_examples=150, deadline=None)
@given(family=_text, given_name=_text, patient_id=_text, note=_text, referral_id=_text, delims=_delims)
def test_field_values_survive_build_then_parse(
    family: str, given_name: str, patient_id: str, note: str, referral_id: str, delims: str
) -> None:
    enc = Encoding(delims[0], delims[1], delims[2], delims[3], delims[4])
    f, c = enc.field, enc.component

    def e(v: str) -> str:
        return escape(v, enc)

    segs = [
        f"MSH{f}{delims[1:5]}{f}APP{f}FAC{f}{f}{f}20240102030405{f}{f}REF{c}I12{f}CTRL1{f}P{f}2.5.1",
        f"RF1{f}P{f}R{f}PT{f}{f}O{f}{e(referral_id)}{f}20240102",
        f"PID{f}1{f}{f}{e(patient_id)}{c}{c}{c}HOSP{c}MR{f}{f}{e(family)}{c}{e(given_name)}{f}{f}19610315{f}F",
        f"NTE{f}1{f}{f}{e(note)}",
    ]
    parsed = parse_hl7v2("\r".join(segs).encode("utf-8"), "prop.hl7")
    assert parsed.errors == []
    ref = parsed.records[0].referral
    assert ref.referral_id == referral_id
    assert (ref.patient.patient_id, ref.patient.family, ref.patient.given) == (patient_id, family, given_name)
    assert ref.patient.dob == date(1961, 3, 15)
    assert ref.notes == [note]
