"""The columnar mapping path of profile-mapped CSVs gives exactly what the per-row path gives: the same
Arrow tables (values, types, line numbers), the same line errors in the same order, the same quarantine
reasons. Checked on generator files, on hand-made edge cases and on hypothesis-made field values."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.generator import generate
from orchestration.ingest.calls import map_call_log
from orchestration.ingest.csv_columns import read_csv_columns
from orchestration.ingest.emr_csv import map_emr_report
from orchestration.ingest.profile_csv import read_profile_csv
from orchestration.ingest.profiles import MappingProfile, load_profiles, pick_profile
from orchestration.ingest.records import ParsedFile, QuarantineFile
from orchestration.ingest.webforms import map_webforms
from orchestration.settings import REPO_ROOT

PROFILES = {p.name: p for p in load_profiles(REPO_ROOT / "config")}
CALLS = PROFILES["ringcentral_call_log"]
CALL_HEADER = ["Call ID", "Start Time", "Direction", "From", "To", "Duration", "Result", "Extension"]


def _run(map_file, data: bytes, name: str, profile: MappingProfile, columnar: bool) -> ParsedFile | str:
    try:
        return map_file(data, name, profile, columnar=columnar)
    except QuarantineFile as exc:
        return f"quarantined: {exc}"
    except Exception as exc:
        return f"raised {type(exc).__name__}"


def assert_same(map_file, data: bytes, name: str, profile: MappingProfile) -> ParsedFile | str:
    """Both paths on one file; returns the reference result."""
    reference = _run(map_file, data, name, profile, columnar=False)
    columnar = _run(map_file, data, name, profile, columnar=True)
    if isinstance(reference, str) or isinstance(columnar, str):
        assert columnar == reference
        return reference
    assert columnar.errors == reference.errors
    assert set(columnar.rows) == set(reference.rows)
    for table, rows in reference.rows.items():
        expected, got = table.to_arrow(rows), table.to_arrow(columnar.rows[table])
        assert got.schema.equals(expected.schema)
        for column in expected.column_names:
            assert got[column].equals(expected[column]), column
        assert list(columnar.rows[table]) == rows  # the records read back from Arrow, too
    return reference


def _csv(header: list[str], rows: list[list[str]], *, crlf: bool = False, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


CALL_ROWS = [
    [
        "C1",
        "05/29/2026 03:38:38 PM",
        "Outbound",
        "(512) 441-0100",
        "(512) 236-7245",
        "0:00:26",
        "Voicemail",
        "110",
    ],
    ["C2", "05/30/2026 10:47:00 am", " Inbound ", "(512) 236-7245", "", "1:05", "Call connected", ""],
    ["C3", "03/09/2025 02:30:00 AM", "inbound", "x", "y", "65", "Missed", "1"],  # not a Chicago time
    ["C4", "11/02/2025 01:30:00 AM", "OUTBOUND", "x", "y", "65s", "Missed", "1"],  # twice a Chicago time
    ["", "2025-06-01T10:00:00Z", "Inbound", "x", "y", "0:00:00", "No Answer", "2"],  # ISO, no id
]


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """A small generator practice (no faxes): its call logs, EMR reports and web forms."""
    root = tmp_path_factory.mktemp("columnar")
    generate(
        out_dir=root,
        seed=7,
        n_leads=300,
        months=3,
        n_clinics=3,
        end=date(2025, 12, 31),
        max_faxes=0,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    return root


def test_generator_files_map_identically(practice) -> None:
    profiles = load_profiles(practice / "config")
    files = 0
    sources = (("calls", "*.csv", map_call_log), ("emr_csv", "*.csv", map_emr_report))
    for source, pattern, map_file in (*sources, ("webforms", "*.jsonl", map_webforms)):
        for path in sorted((practice / "inbox" / source).glob(pattern)):
            profile = pick_profile(profiles, source, path.name)
            assert profile is not None
            reference = assert_same(map_file, path.read_bytes(), path.name, profile)
            assert not isinstance(reference, str) and reference.record_count > 0
            files += 1
    assert files >= 6


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("bom", [False, True])
def test_call_log_edge_cases(crlf: bool, bom: bool) -> None:
    data = _csv(CALL_HEADER, CALL_ROWS, crlf=crlf, bom=bom)
    reference = assert_same(map_call_log, data, "call_log_x.csv", CALLS)
    assert isinstance(reference, ParsedFile) and reference.record_count == 5


def test_bad_timestamp_and_bad_duration_are_the_same_line_errors() -> None:
    rows = [
        *CALL_ROWS,
        ["C6", "tomorrow", "Inbound", "x", "y", "0:01:00", "Missed", "1"],
        ["C7", "02/30/2025 01:00:00 PM", "Inbound", "x", "y", "0:01:00", "Missed", "1"],
        ["C8", "05/29/2026 03:38:38 PM", "Inbound", "x", "y", "a while", "Missed", "1"],
        ["C9", "  ", "Inbound", "x", "y", "0:01:00", "Missed", "1"],
        ["C10", "05/29/2026 03:38:61 PM", "Inbound", "x", "y", "0:01:00", "Missed", "1"],  # leap second
    ]
    reference = assert_same(map_call_log, _csv(CALL_HEADER, rows), "call_log_x.csv", CALLS)
    assert isinstance(reference, ParsedFile)
    assert [(e.line, e.reason) for e in reference.errors] == [
        (7, "started_at unreadable"),
        (8, "started_at unreadable"),
        (9, "duration unreadable"),
        (10, "started_at missing"),
        (11, "started_at unreadable"),
    ]


def test_blank_lines_short_rows_quoted_newlines_extra_and_duplicate_columns() -> None:
    header = [*CALL_HEADER, "Notes", "Direction"]  # an extra column, and a repeated name (the last wins)
    text = (
        ",".join(header) + "\n"
        'C1,05/29/2026 03:38:38 PM,Outbound,a,b,0:00:26,Voicemail,110,"two\nlines, ""quoted""",IN\n'
        "\n"
        "   \n"
        "C2,05/30/2026 10:47:00 AM,Inbound,a,b\n"
        "C3,05/30/2026 10:47:00 AM,Inbound,a,b,0:01:05,Call connected,105,\t\u00e9\x01\\,OUT\n"
    )
    reference = assert_same(map_call_log, text.encode(), "call_log_x.csv", CALLS)
    assert isinstance(reference, ParsedFile)
    assert [e.line for e in reference.errors] == [6]
    assert [r.line_number for r in reference.rows[next(iter(reference.rows))]] == [2, 7]


def test_a_field_over_the_csv_limit_ends_the_file_the_same_way() -> None:
    rows = [CALL_ROWS[0], [*CALL_ROWS[1][:6], "x" * 200_000, "1"], CALL_ROWS[2]]
    reference = assert_same(map_call_log, _csv(CALL_HEADER, rows), "call_log_x.csv", CALLS)
    assert isinstance(reference, ParsedFile) and reference.errors[0].reason.startswith("malformed CSV")


def test_quarantine_reasons_are_the_same() -> None:
    missing = _csv([h for h in CALL_HEADER if h != "Duration"], [r[:5] + r[6:] for r in CALL_ROWS])
    assert "Duration" in assert_same(map_call_log, missing, "call_log_x.csv", CALLS)
    assert "UTF-8" in assert_same(map_call_log, b"Call ID\n\xff\n", "call_log_x.csv", CALLS)
    assert "no header" in assert_same(map_call_log, b" , \nC1,x\n", "call_log_x.csv", CALLS)


def test_a_profile_that_maps_fewer_fields_and_its_own_zone() -> None:
    profile = MappingProfile(
        name="short_log",
        source="calls",
        match="*.csv",
        kind="call_log",
        columns={"started_at": "When", "duration": "Length", "caller_name": "Who"},
        formats={"started_at": "%d-%b-%Y %H:%M"},
        timezone="Australia/Lord_Howe",  # half-hour DST shifts
    )
    rows = [
        ["05-Apr-2026 01:45", "5", "Ann"],
        ["05-apr-2026 1:45", "5", " "],
        ["04-OCT-2026 02:15", "0:05", "Bo"],
        ["31-Dec-9999 23:00", "1", "X"],
        ["2026-01-01 10:00:00+05:00", "1", "Y"],
    ]
    assert_same(map_call_log, _csv(["When", "Length", "Who"], rows), "c.csv", profile)
    # Before year 1 in UTC: the per-row path raises OverflowError (the pool quarantines the file).
    rows.append(["01-Jan-0001 05:00", "1", "Z"])
    assert assert_same(map_call_log, _csv(["When", "Length", "Who"], rows), "c.csv", profile) == (
        "raised OverflowError"
    )


EMR_FILES = [
    ("Raintree_Referrals_2025-03.csv", "raintree_referral_report"),
    ("Raintree_Appointments_2025-03.csv", "raintree_appointment_report"),
    ("Prompt_Referrals_2025-03.csv", "prompt_referral_report"),
    ("Prompt_Visits_2025-03.csv", "prompt_appointment_report"),
]


@pytest.mark.parametrize(("name", "profile"), EMR_FILES)
def test_emr_fixtures_and_their_damaged_copies(name: str, profile: str) -> None:
    data = (REPO_ROOT / "tests" / "fixtures" / "emr_csv" / name).read_bytes()
    assert_same(map_emr_report, data, name, PROFILES[profile])
    lines = data.decode().splitlines()
    damaged = [lines[0], lines[1].replace("2025", "20x5"), "", lines[1].replace(",", ";"), *lines[1:]]
    assert_same(map_emr_report, "\r\n".join(damaged).encode(), name, PROFILES[profile])


# Field values: texts anywhere near what exports hold, and plain noise.
_noise = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_space = st.sampled_from(["", " ", "\t", "\xa0", "\x1c", "\u2003"])


def _padded(value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_space, value, _space).map("".join)


def _stamp(fmt: str) -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))
    near_dst = st.builds(
        lambda day, minutes: datetime(2025, 3, 9) + timedelta(days=day, minutes=minutes),
        st.sampled_from([0, 238]),
        st.integers(0, 24 * 60),
    )
    formatted = st.one_of(moments, near_dst).map(lambda m: m.strftime(fmt))
    edits = st.sampled_from([str, str.lower, str.upper, lambda t: t.replace(" 0", " ").replace("/0", "/")])
    variants = st.builds(lambda text, edit: edit(text), formatted, edits)
    return st.one_of(
        variants, st.sampled_from(["02/30/2025 01:00 PM", "2025-03-09T02:30:00", "13/01/2025"]), _noise
    )


_durations = st.one_of(
    st.from_regex(r"(\d{1,2}:)?\d{1,2}:\d{2}|\d{1,5}(\.\d)?\s?(s|sec|seconds)?", fullmatch=True), _noise
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.one_of(st.from_regex(r"[A-F0-9]{6}", fullmatch=True), _space),
            _padded(_stamp(CALLS.formats["started_at"])),
            _padded(st.sampled_from(["Inbound", "outbound", "INBOUND", "İn", ""])),
            _noise,
            _padded(_durations),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_call_logs_hypothesis(rows) -> None:
    cells = [[i, s, d, n, "", dur, "Missed", n] for i, s, d, n, dur in rows]
    assert_same(map_call_log, _csv(CALL_HEADER, cells), "call_log_h.csv", CALLS)


_WEBPT_APPTS = PROFILES["webpt_appointment_report"]
_APPT_HEADER = sorted(set(_WEBPT_APPTS.columns.values()))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "Patient Name": st.one_of(
                    st.sampled_from(
                        [
                            "Ana de la Cruz Jr.",
                            "Gomez, Ana M.",
                            "Dr. Bo Li",
                            "Cher",
                            "",
                            "Ana Jr",
                            "Bo DR",
                            "Mr Li",
                            "Mary-Jo O'Neil",
                            "ANA  GOMEZ",
                            "Jr Smith",
                        ]
                    ),
                    _noise,
                ),
                "DOB": _padded(_stamp(_WEBPT_APPTS.formats["dob"])),
                "Appointment Date": _stamp(_WEBPT_APPTS.formats["start"]),
                "Created Date": st.one_of(_stamp(_WEBPT_APPTS.formats["created_at"]), st.just("")),
                "Duration (min)": st.one_of(st.sampled_from(["45", "1:00", "60 min", "x"]), _noise),
                "Status": st.one_of(
                    st.sampled_from(["Checked Out", "No Show", "Cancelled", "booked"]), _noise
                ),
                "Appointment Type": st.one_of(st.sampled_from(["Initial Evaluation", "Daily Note"]), _noise),
            }
        ),
        min_size=1,
        max_size=20,
    )
)
def test_appointment_reports_hypothesis(rows) -> None:
    cells = [[row.get(h, f"{h[:3]}{n}") for h in _APPT_HEADER] for n, row in enumerate(rows)]
    assert_same(map_emr_report, _csv(_APPT_HEADER, cells), "Appointment_Report_h.csv", _WEBPT_APPTS)


_WEBPT_REFS = PROFILES["webpt_referral_report"]
_REF_HEADER = sorted(set(_WEBPT_REFS.columns.values()) | {_WEBPT_REFS.id or ""})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "Patient First": st.one_of(st.just(""), _noise),
                "Patient Last": st.one_of(st.just(" "), _noise),
                "Referral Date": _padded(_stamp(_WEBPT_REFS.formats["received_at"])),
                "Surgery Date": st.one_of(st.just(""), _stamp(_WEBPT_REFS.formats["surgery_date"])),
                "Post-Op": st.one_of(st.sampled_from(["Yes", "no", "", "maybe"]), _noise),
                "Diagnosis Codes": st.one_of(st.sampled_from(["M17.11, m25.561", "S83.511A|", ""]), _noise),
            }
        ),
        min_size=1,
        max_size=20,
    )
)
def test_referral_reports_hypothesis(rows) -> None:
    cells = [[row.get(h, f"{h[:4]} {n}") for h in _REF_HEADER] for n, row in enumerate(rows)]
    assert_same(map_emr_report, _csv(_REF_HEADER, cells), "Referral_Report_h.csv", _WEBPT_REFS)


_TOKENS = ["a", "b", ",", ",", ",", " ", "\t", "\x1c", "\u00e9", "\x00", "\r", '"']
_line = st.lists(st.sampled_from(_TOKENS), max_size=8).map("".join)
_csv_text = st.builds(
    lambda lines, end, last: end.join(["x,y,z", *lines]) + last,
    st.lists(_line, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["", "\n", "\r\n", "\n\n"]),
)
_ANY_LOG = MappingProfile(name="p", source="calls", match="*", kind="call_log", columns={"started_at": "x"})


@settings(max_examples=300, deadline=None)
@given(_csv_text)
def test_reading_by_column_finds_the_records_the_csv_module_finds(text: str) -> None:
    profile = MappingProfile(
        name="p", source="calls", match="*", kind="call_log", columns={"started_at": "x"}
    )
    data = text.encode()
    reference = read_profile_csv(data, "f.csv", profile)
    columns = read_csv_columns(data, "f.csv", profile)
    assert columns.errors == reference.errors
    assert columns.lines == [line for line, _, _ in reference.rows]
    assert [columns.row(i) for i in range(len(columns))] == [(row, raw) for _, row, raw in reference.rows]
    assert columns.raw_json().to_list() == [raw for _, _, raw in reference.rows]
    for name in ("x", "y", "z"):
        assert columns.column(name).to_list() == [row[name] for _, row, _ in reference.rows]


def test_full_names_split_identically() -> None:
    names = ["Ana Gomez", "Ana Jr", "Bo DR", "Mr Li", "Mary-Jo O'Neil", "ANA  GOMEZ", "Jr Smith", "Dr. Bo Li"]
    names += [
        "Gomez, Ana M.",
        "Ana de la Cruz Jr.",
        "Cher",
        "",
        "Ana Gómez",
        "Ana\u00a0Gomez",
        "Bo Li-",
        "mr x",
    ]
    rows = [[f"A{n}", name, "03/05/2025 09:30 AM"] for n, name in enumerate(names)]
    profile = MappingProfile(
        name="names",
        source="emr_csv",
        match="*",
        kind="appointment",
        id="Id",
        columns={"full_name": "Name", "start": "Start"},
        formats={"start": "%m/%d/%Y %I:%M %p"},
    )
    reference = assert_same(map_emr_report, _csv(["Id", "Name", "Start"], rows), "a.csv", profile)
    assert isinstance(reference, ParsedFile) and reference.record_count == len(names)
