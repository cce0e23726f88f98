"""Web forms (JSON Lines) by column give exactly what they give row by row: records, types, line
numbers, line errors, quarantine reasons; JSON values of every kind (text, true/false, numbers, lists,
null, missing keys, lone surrogates) included. "By column" is the by-value path (lead_value_columns)
unless a test switches to the polars one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest.profiles import MappingProfile, load_profiles
from orchestration.ingest.webforms import WEBFORM_COLUMNS_ENV, map_webforms
from orchestration.settings import REPO_ROOT
from tests.ingest.test_columnar_parity import assert_same
from tests.ingest.test_webforms import form_row

PROFILE = {p.name: p for p in load_profiles(REPO_ROOT / "config")}["generic_webform"]


def _row(**overrides) -> dict:
    return form_row(**overrides)


def _file(rows: list[dict | str]) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


@pytest.mark.parametrize("column_path", ["by_value", "polars"])
def test_edge_cases(column_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """By value (lead_value_columns, the default) and through polars (PTLEADS_WEBFORM_COLUMNS=polars)."""
    if column_path == "polars":
        monkeypatch.setenv(WEBFORM_COLUMNS_ENV, "polars")
    rows: list[dict | str] = [
        _row(),
        _row(
            submission_id="WF-2", submitted_at="2025-07-01 08:00", name="Bob de la Cruz Jr", date_of_birth=""
        ),
        "",
        "{oops",
        "[1, 2]",
        _row(submission_id="", submitted_at=""),  # no id, no time: a line error
        _row(submission_id=7, sms_opt_in=1, email_opt_in=False, zip=78704, member_id=None),
        _row(submission_id=7.0, zip=78704.0, phone=["1"], message={"a": 1}),
        _row(name="Lone", date_of_birth="02/30/1961"),
        _row(sms_opt_in="maybe"),
        _row(zip=-0.0, member_id=0.0, sms_opt_in=True, email_opt_in=1),
        _row(zip=0.0, member_id=-0.0, sms_opt_in=1, email_opt_in=True, name=" Ann  Lee "),
        _row(name="Lee, Ann", phone=True),
        _row(name="Dr. Ann Lee Jr", phone=1),
        {k: v for k, v in _row(submission_id="WF-9").items() if k != "message"},
    ]
    assert_same(map_webforms, _file(rows), "webform_x.jsonl", PROFILE)
    assert_same(map_webforms, b"\xef\xbb\xbf" + _file(rows).replace(b"\n", b"\r\n"), "w.jsonl", PROFILE)


def test_a_lone_surrogate_fails_the_file_on_both_paths() -> None:
    """JSON may escape a lone surrogate, which Arrow cannot store. Row by row the records map and the
    Arrow conversion raises (outside the parser: the parse pool does not catch it); by column the row is
    left to the per-row path and the conversion raises inside the parser, which the pool quarantines."""
    data = _file([_row(), _row(name="\ud800 Lone")])
    reference = map_webforms(data, "w.jsonl", PROFILE, columnar=False)
    table, rows = next(iter(reference.rows.items()))
    with pytest.raises(UnicodeEncodeError):
        table.to_arrow(rows)
    with pytest.raises(UnicodeEncodeError):
        map_webforms(data, "w.jsonl", PROFILE, columnar=True)


def test_quarantine_reasons_are_the_same() -> None:
    rows = [{k: v for k, v in _row().items() if k != "sms_opt_in"}]
    assert "sms_opt_in" in assert_same(map_webforms, _file(rows), "w.jsonl", PROFILE)


def test_a_vendor_word_map_on_a_non_text_value() -> None:
    words = {"sms_consent": {"Y": "yes", "1": "no", "True": "no"}}  # str(1), str(True) must not map
    profile = MappingProfile.model_validate({**PROFILE.model_dump(), "values": words, "timezone": "UTC"})
    rows = [_row(sms_opt_in=v) for v in ("Y", True, 1, "y ", None, "no")]
    assert_same(map_webforms, _file(rows), "w.jsonl", profile)


_json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["yes", "N", " true ", "07/04/1961", "2025-03-03T09:15:00-06:00", "2025-03-03 09:15"]),
    st.lists(st.text(max_size=3), max_size=2),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.dictionaries(st.sampled_from(sorted(PROFILE.file_columns())), _json_value, max_size=6),
        min_size=1,
        max_size=15,
    )
)
def test_web_forms_hypothesis(overrides) -> None:
    assert_same(map_webforms, _file([_row(**o) for o in overrides]), "w.jsonl", PROFILE)


@pytest.mark.parametrize("columnar", [False, True])
def test_ids_are_json_text_not_stripped(columnar: bool) -> None:
    parsed = map_webforms(
        _file([_row(submission_id=" A1 "), _row(submission_id=0)]), "w.jsonl", PROFILE, columnar=columnar
    )
    assert [r.source_record_id for r in next(iter(parsed.rows.values()))] == [" A1 ", "w.jsonl:2"]


def _iso(moment: datetime, shape: int, offset_min: int) -> str:
    sign = "-" if offset_min < 0 else "+"
    offset = f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    shapes = [
        moment.strftime("%Y-%m-%dT%H:%M:%S") + offset,
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%d %H:%M"),
        moment.strftime("%Y-%m-%dT%H:%M:%S"),
        moment.strftime("%Y-%m-%dt%H:%M:%Sz"),
        moment.isoformat(timespec="microseconds"),
        moment.strftime("%Y-%m-%d"),
    ]
    return shapes[shape]


_moments = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.builds(lambda m: datetime(2025, 11, 2) + timedelta(minutes=m), st.integers(0, 24 * 60)),
    st.builds(lambda m: datetime(2025, 3, 9) + timedelta(minutes=m), st.integers(0, 24 * 60)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_moments, st.integers(0, 6), st.integers(-23 * 60 - 59, 23 * 60 + 59)), min_size=1))
def test_iso_times_hypothesis(stamps) -> None:
    rows = [_row(submitted_at=_iso(*stamp)) for stamp in stamps]
    assert_same(map_webforms, _file(rows), "w.jsonl", PROFILE)


def test_first_and_last_columns_with_a_full_name_fall_back() -> None:
    """A profile mapping first and last name columns as well: the full name only where both are empty."""
    columns = {**PROFILE.columns, "first_name": "referred_by", "last_name": "member_id"}
    profile = MappingProfile.model_validate({**PROFILE.model_dump(), "columns": columns})
    rows = [
        _row(referred_by="Ann", member_id="Lee"),
        _row(referred_by="", member_id=""),
        _row(referred_by=" ", member_id="Kim", name="Dr. Bo Park Jr"),
        _row(referred_by=None, member_id=None, name="Park, Bo"),
        _row(referred_by=7, member_id=True),
        _row(referred_by="", member_id="", name=["x"]),
    ]
    assert_same(map_webforms, _file(rows), "w.jsonl", profile)
