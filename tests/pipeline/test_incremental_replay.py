"""Full refresh vs incremental day-by-day replay over the same data give identical marts.

A small generated practice (300 leads over 2 months) is ingested and built once as of five days before
its end; dbt then runs once a day up to the end, incrementally (fct_touches merges only changed
touches, pair scoring rescores only new or changed identity nodes). A copy of that warehouse is rebuilt
with --full-refresh as of the last day, and every marts table must match row for row (EXCEPT ALL both
ways), and so must the identity tables the incremental pair scoring feeds (pairs, clusters, episodes).

On the last day new raw rows land too (int_source_records recomputes only records whose raw rows changed):
an updated FHIR Patient (its referrals and appointments borrow its identity fields) and a click on an
old email (every event of that message takes the click's link token). A raw row deleted afterwards makes
int_source_records rebuild whole.

The lead models (int_lead_episodes, int_leads_resolved, int_lead_appointments, int_touches_attributed)
recompute only affected persons on each day; the last day also lands a web form that merges into a person
with a lead and an SMS link, a late web event with that link's token (the SMS's lead), and a link logged
late for an old web event's token naming another person's lead (the event moves to that lead and person:
int_persons_matched does not see it, only the touches increment's tracking-token rule does)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import generate
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import source_by_name
from orchestration.pipeline import run_pipeline
from orchestration.settings import REPO_ROOT, Settings
from orchestration.transform.dbt_invoke import run_dbt

END = date(2026, 3, 31)
REPLAY_DAYS = 5  # four incremental days on top of the first build (ten cost CI ~80 s more)


def _as_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def _score_day(warehouse: Path, as_of: datetime, offset: int) -> None:
    """Scores as of a replayed day (the replay runs dbt, not ml.score): day 1's, a third of the leads left out
    and scores moved, so stg_ml__lead_scores' increment picks each lead's latest over several as-ofs."""
    con = duckdb.connect(str(warehouse))
    con.execute(
        "insert into marts.lead_scores select * replace (? as as_of, score * 0.9 as score) "
        "from marts.lead_scores where as_of = (select min(as_of) from marts.lead_scores) "
        "and hash(lead_id) % 3 != ?",
        [as_of.astimezone(UTC).replace(tzinfo=None), offset % 3],
    )
    con.close()


# Intermediate tables built from reused state (the last build's pairs and node hashes) or downstream of it.
IDENTITY_TABLES = (
    "intermediate.int_source_records",
    "intermediate.int_record_matches",
    "intermediate.int_identity_nodes",
    "intermediate.int_persons_clustered",
    "intermediate.int_persons_matched",
    "intermediate.int_lead_episodes",
    "intermediate.int_leads_resolved",
    "intermediate.int_lead_appointments",
    "intermediate.int_touches_attributed",
    "intermediate.int_lead_funnel",
)
# Side tables an increment moves instead of recomputing, which a full build writes from scratch: equal too.
STATE_TABLES = ("marts_state.ml_lead_features_history_days",)
LEAD_INCREMENTS = (
    "int_lead_episodes",
    "int_leads_resolved",
    "int_lead_appointments",
    "int_touches_attributed",
)


def _land_updates(inbox: Path, day: date) -> tuple[str, str]:
    """A later version of the Patient of the first referral (new surname and phone), and a click on the
    first email message without one. Returns (patient id, message id)."""
    requests = (inbox / "fhir" / "ServiceRequest.ndjson").read_text().splitlines()
    patient_id = json.loads(requests[0])["subject"]["reference"].split("/")[-1]
    patients = [json.loads(line) for line in (inbox / "fhir" / "Patient.ndjson").read_text().splitlines()]
    patient = next(p for p in patients if p["id"] == patient_id)
    patient["meta"] = {"lastUpdated": f"{day}T10:00:00+00:00"}
    patient["name"][0]["family"] = "Replayupdate"
    patient["telecom"] = [{"system": "phone", "value": "(512) 555-0199", "use": "mobile"}]
    (inbox / "fhir" / "Patient_update.ndjson").write_text(json.dumps(patient) + "\n")

    events = []
    for path in sorted((inbox / "email").iterdir()):
        text = path.read_text()
        lines = [text] if text.lstrip().startswith("[") else text.splitlines()
        for line in lines:
            loaded = json.loads(line)
            events += loaded if isinstance(loaded, list) else [loaded]
    clicked = {e["sg_message_id"] for e in events if e.get("url")}
    event = next(e for e in events if e["sg_message_id"] not in clicked)
    click = {
        **event,
        "event": "click",
        "sg_event_id": "replay-click-1",
        "url": "https://example.com/book?t=ReplayToken1",
        "timestamp": int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()),
    }
    (inbox / "email" / "sendgrid_events_update.jsonl").write_text(json.dumps(click) + "\n")
    return patient_id, event["sg_message_id"]


def _land_lead_updates(warehouse: Path, inbox: Path, day: date) -> dict[str, str]:
    """Changes the lead models' increments must follow (they recompute affected persons only):

    - a web form on `day` by the FHIR patient of a person who already has a lead and an SMS with a link
      token: identity merges it into that person (their leads are recomputed);
    - a late web event on `day` carrying that SMS's token: it belongs to the SMS's lead;
    - a link rendered earlier but logged only now (raw.tracking_tokens) for the token of an old web event,
      naming another person's lead: that event moves to that lead and person.
    Returns the ids the test checks."""
    con = duckdb.connect(str(warehouse))
    try:
        sms = con.execute(
            "select distinct r.record_key, r.token, t.lead_id, t.person_id, "
            "p.given, p.family, p.birth_date, p.phone "
            "from intermediate.int_touches_attributed as t "
            "inner join intermediate.int_source_records as r on t.record_key = r.record_key "
            "inner join intermediate.int_persons_matched as m on m.person_id = t.person_id "
            "inner join (select patient_id, first_name as given, last_name as family, phone_e164 as phone, "
            "    strftime(dob, '%m/%d/%Y') as birth_date from staging.stg_fhir__patients "
            "    where first_name is not null and dob is not null and phone_e164 is not null) as p "
            "    on m.fhir_patient_id = p.patient_id "
            "where r.record_kind = 'sms' and r.token is not null and t.lead_id is not null "
            "order by r.record_key limit 1"
        ).fetchone()
        assert sms is not None, "no SMS with a link token to a FHIR patient's lead in the generated data"
        _, token, lead_id, person_id, given, family, birth_date, phone = sms
        web = con.execute(
            "select r.record_key, r.token, r.event_at, t.person_id from intermediate.int_source_records as r "
            "inner join intermediate.int_touches_attributed as t on r.record_key = t.record_key "
            "where r.record_kind = 'web' and r.token is not null and r.token != ? "
            "and r.token not in (select token from raw.tracking_tokens) "
            "order by r.record_key limit 1",
            [token],
        ).fetchone()
        assert web is not None
        other_lead = con.execute(
            "select lead_id from intermediate.int_leads_resolved where person_id != ? "
            "order by lead_id limit 1",
            [web[3]],
        ).fetchone()[0]
        con.execute(
            "insert into raw.tracking_tokens values (?, ?, 'replay-action', 'replay', 'sms', ?, 'actions', "
            "'replay', 'replay-token-1', "
            "(select max(ingested_at) from raw.tracking_tokens) + interval 1 second)",
            [web[1], other_lead, web[2] - timedelta(hours=1)],
        )
    finally:
        con.close()
    form = {
        "submission_id": "sub_replay_merge_1",
        "submitted_at": f"{day}T09:30:00-06:00",
        "name": f"{given} {family}",
        "date_of_birth": birth_date,
        "phone": phone,
        "email": "",
        "zip": "78704",
        "reason": "knee pain again",
        "insurance": "",
        "member_id": "",
        "referred_by": "",
        "preferred_location": "South Austin",
        "preferred_contact": "phone",
        "sms_opt_in": True,
        "email_opt_in": False,
        "message": "",
    }
    (inbox / "webforms" / "webform_update.jsonl").write_text(json.dumps(form) + "\n")
    event = {
        "event_id": "replay-late-web-1",
        "ts": f"{day}T18:00:00Z",
        "event": "page_view",
        "token": token,
        "url": f"https://www.example.com/schedule?t={token}&utm_source=sms",
    }
    (inbox / "web" / "web_events_update.jsonl").write_text(json.dumps(event) + "\n")
    return {"person_id": person_id, "lead_id": lead_id, "web_key": web[0], "other_lead": other_lead}


def _land_narrowing_cases(warehouse: Path, inbox: Path, other: dict[str, str]) -> dict[str, str]:
    """Changes the narrowed lead increments must still follow (h57: touches and appointments recompute the
    persons whose leads changed and the records whose person or content changed, not every re-matched
    person):

    - a web form dated two days before a person's first lead (a late import): it becomes that lead's first
      record, so the lead's id changes and every touch and appointment of the person moves to the new id
      although none of those records changed (<int_leads_resolved>_diff);
    - a call log row re-exported with another result: the touch's content changes, its person does not
      (int_source_records' dirty ids).
    Persons of `other` (the cases of _land_lead_updates) are left alone. Returns the ids the test checks."""
    con = duckdb.connect(str(warehouse))
    try:
        person_id, lead_id, received_at, given, family, birth_date, phone = con.execute(
            "select l.person_id, l.lead_id, l.received_at, p.first_name, p.last_name, "
            "strftime(p.dob, '%m/%d/%Y'), p.phone_e164 "
            "from intermediate.int_leads_resolved as l "
            "inner join staging.stg_fhir__patients as p on l.fhir_patient_id = p.patient_id "
            "where l.person_id != ? and l.person_id not in "
            "    (select person_id from intermediate.int_leads_resolved where lead_id = ?) "
            "and p.first_name is not null and p.dob is not null "
            "and p.phone_e164 is not null "
            "and l.received_at = (select min(received_at) from intermediate.int_leads_resolved "
            "    where person_id = l.person_id) "
            "and exists (select 1 from intermediate.int_touches_attributed as t where t.lead_id = l.lead_id) "
            "order by l.lead_id limit 1",
            [other["person_id"], other["other_lead"]],
        ).fetchone()
        first_key = con.execute(
            "select record_key from intermediate.int_lead_episodes where lead_id = ? and is_first_record",
            [lead_id],
        ).fetchone()[0]
        call_key, call_id = con.execute(
            "select t.record_key, t.source_record_id from intermediate.int_touches_attributed as t "
            "where t.record_kind = 'call' and t.lead_id is not null and t.person_id not in (?, ?) "
            "order by t.record_key limit 1",
            [other["person_id"], person_id],
        ).fetchone()
        con.execute(
            "insert into raw.calls_log select * replace ('Replay-Corrected' as result, "
            "'calls_replay_fix.csv' as source_file, "
            "(select max(ingested_at) from raw.calls_log) + interval 1 second as ingested_at) "
            "from raw.calls_log where source_record_id = ? order by ingested_at desc limit 1",
            [call_id],
        )
    finally:
        con.close()
    submitted = received_at - timedelta(days=2)
    form = {
        "submission_id": "sub_replay_backdated_1",
        "submitted_at": submitted.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "name": f"{given} {family}",
        "date_of_birth": birth_date,
        "phone": phone,
        "email": "",
        "zip": "78704",
        "reason": "back pain",
        "insurance": "",
        "member_id": "",
        "referred_by": "",
        "preferred_location": "South Austin",
        "preferred_contact": "phone",
        "sms_opt_in": False,
        "email_opt_in": False,
        "message": "",
    }
    (inbox / "webforms" / "webform_backdated.jsonl").write_text(json.dumps(form) + "\n")
    return {"person_id": person_id, "lead_id": lead_id, "first_key": first_key, "call_key": call_key}


def _ingest(settings: Settings, names: tuple[str, ...]) -> None:
    profiles = load_profiles(settings.config_dir)
    ctx = ParseContext(settings.config_dir, profiles, warehouse_dir=settings.warehouse.parent)
    con = duckdb.connect(str(settings.warehouse))
    try:
        for name in names:
            ingest_source(con, source_by_name(name), settings.inbox, settings.quarantine, ctx)
    finally:
        con.close()


def _compared_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    marts = [
        f"marts.{name}"
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    ]
    return marts + list(IDENTITY_TABLES) + list(STATE_TABLES)


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per compared table: (rows only in the incremental build, rows only in the full refresh)."""
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_build (read_only)")
        tables = _compared_tables(con)
        assert "marts.fct_leads" in tables and "marts.fct_touches" in tables
        out = {}
        for table in tables:
            # A build counter, not content: the full refresh is one more build than the replay.
            versioned = ("intermediate.int_identity_nodes", "intermediate.int_persons_clustered")
            cols = "* exclude (source_version)" if table in versioned else "*"
            inc, full = f"select {cols} from {table}", f"select {cols} from full_build.{table}"
            inc_only = con.execute(f"select count(*) from ({inc} except all {full})").fetchone()[0]
            full_only = con.execute(f"select count(*) from ({full} except all {inc})").fetchone()[0]
            out[table] = (inc_only, full_only)
        return out
    finally:
        con.close()


@pytest.mark.slow
def test_daily_incremental_replay_equals_full_refresh(tmp_path: Path) -> None:
    generate(
        out_dir=tmp_path / "gen",
        seed=7,
        n_leads=300,
        months=2,
        n_clinics=3,
        end=END,
        max_faxes=0,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    first_day = END - timedelta(days=REPLAY_DAYS - 1)
    settings = Settings().with_overrides(
        inbox=tmp_path / "gen" / "inbox",
        warehouse=tmp_path / "inc" / "warehouse.duckdb",
        config_dir=tmp_path / "gen" / "config",
        as_of=_as_of(first_day),
    )
    run_pipeline(settings, lambda _msg: None)  # ingest everything, build and score as of day 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    touches_day1 = con.execute("select count(*) from marts.fct_touches").fetchone()[0]
    con.close()

    for offset in range(1, REPLAY_DAYS):
        day_settings = settings.with_overrides(as_of=_as_of(first_day + timedelta(days=offset)))
        if offset == REPLAY_DAYS - 1:
            patient_id, message_id = _land_updates(settings.inbox, END)
            lead_case = _land_lead_updates(settings.warehouse, settings.inbox, END)
            narrow = _land_narrowing_cases(settings.warehouse, settings.inbox, lead_case)
            _ingest(settings, ("fhir", "email", "webforms", "web"))
            # A view no model reads appears in staging (as phase 2's stg_ml__lead_scores does after phase 1):
            # the increments' fingerprints hash upstream views only, so it must not force a rebuild.
            con = duckdb.connect(str(settings.warehouse))
            con.execute("create view staging.stg_unread_by_models as select 1 as x")
            con.close()
        _score_day(settings.warehouse, day_settings.as_of, offset)
        run_dbt(day_settings, "run", tmp_path / "dbt_inc")

    full_path = tmp_path / "full" / "warehouse.duckdb"
    full_path.parent.mkdir()
    shutil.copy(settings.warehouse, full_path)
    full_settings = settings.with_overrides(warehouse=full_path, as_of=_as_of(END))
    run_dbt(full_settings, "run", tmp_path / "dbt_full", full_refresh=True)

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    # The last day was an increment (not a rebuild) that saw both updates.
    # Every model that records its plan in a `<model>_run` table, present and future, must have run as one.
    run_tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.columns "
        "where table_catalog = current_database() and column_name = 'plan' and table_name like '%_run'"
    ).fetchall()
    plans = {table: con.execute(f"select plan from {table}").fetchone()[0] for (table,) in run_tables}
    for model in ("int_source_records", "int_persons_matched", *LEAD_INCREMENTS):
        assert f"intermediate.{model}_run" in plans, model
    assert {table: plan for table, plan in plans.items() if plan != "increment"} == {}
    # The Python models' increments (dbt-duckdb's `<model>__dbt_tmp<time>` tables) were dropped at run end.
    leftovers = con.execute(
        "select count(*) from duckdb_tables() where not temporary and contains(table_name, '__dbt_tmp')"
    ).fetchone()[0]
    assert leftovers == 0
    # The web form merged into the person with the SMS; the late web event took the SMS's lead; the old
    # web event follows the link logged late to the other lead (and its person).
    merged = con.execute(
        "select person_id from intermediate.int_persons_matched where source_record_id = 'sub_replay_merge_1'"
    ).fetchone()
    assert merged == (lead_case["person_id"],)
    late = con.execute(
        "select lead_id from intermediate.int_touches_attributed where source_record_id = 'replay-late-web-1'"
    ).fetchone()
    assert late == (lead_case["lead_id"],)
    moved = con.execute(
        "select lead_id from intermediate.int_touches_attributed where record_key = ?", [lead_case["web_key"]]
    ).fetchone()
    assert moved == (lead_case["other_lead"],)
    # The late web form took over the person's first lead (a new lead id): every touch of the old id moved to
    # it; the corrected call result reached its touch.
    # (The form is the person's earliest record now, so the person's id changes too.)
    new_lead = con.execute(
        "select f.lead_id from intermediate.int_lead_episodes as f "
        "inner join intermediate.int_lead_episodes as old on f.lead_id = old.lead_id "
        "where f.source_record_id = 'sub_replay_backdated_1' and old.record_key = ?",
        [narrow["first_key"]],
    ).fetchone()
    assert new_lead is not None and new_lead[0] != narrow["lead_id"]
    by_lead = dict(
        con.execute(
            "select lead_id, count(*) from intermediate.int_touches_attributed "
            "where lead_id in (?, ?) group by 1",
            [narrow["lead_id"], new_lead[0]],
        ).fetchall()
    )
    assert narrow["lead_id"] not in by_lead and by_lead.get(new_lead[0], 0) >= 1
    assert con.execute(
        "select touch_result from intermediate.int_touches_attributed where record_key = ?",
        [narrow["call_key"]],
    ).fetchone() == ("replay-corrected",)
    # The touches' increment took it from int_persons_matched's scope, which holds every record of a dirty id
    # (macros/incremental_touches.sql reads the dirty records there, not among every record).
    assert con.execute(
        "select count(*) from intermediate.int_source_records "
        "where source_record_id in (select id from intermediate.int_source_records_dirty) "
        "and record_key not in (select record_key from intermediate.int_persons_matched_scope)"
    ).fetchone() == (0,)
    assert con.execute(
        "select count(*) from intermediate.int_touches_attributed_scope where record_key = ?",
        [narrow["call_key"]],
    ).fetchone() == (1,)
    # ... and the node profiles describe that version (each day's nodes built on the day before's).
    assert con.execute(
        "select min(n.source_version) = max(s.version) from intermediate.int_identity_nodes as n, "
        "intermediate.int_source_records_state as s"
    ).fetchone()[0]
    borrowed = con.execute(
        "select count(*), count(*) filter (where last_name = 'Replayupdate') "
        "from intermediate.int_source_records where fhir_patient_id = ?",
        [patient_id],
    ).fetchone()
    assert borrowed[0] >= 2 and borrowed[0] == borrowed[1]
    tokens = con.execute(
        "select count(*) from intermediate.int_source_records as r "
        "inner join staging.stg_email__events as e on r.source_record_id = e.source_record_id "
        "where e.sg_message_id = ? and r.token = 'ReplayToken1'",
        [message_id],
    ).fetchone()[0]
    assert tokens >= 2
    touches_end = con.execute("select count(*) from marts.fct_touches").fetchone()[0]
    future = con.execute(
        f"select count(*) from marts.fct_touches where event_at > timestamp '{END} 23:59:59'"
    ).fetchone()[0]
    con.close()
    assert touches_end > touches_day1  # the replay really added days
    assert future == 0
    diffs = _differences(settings.warehouse, full_path)
    assert {t: d for t, d in diffs.items() if d != (0, 0)} == {}

    # A deleted raw row cannot be expressed as an increment: int_source_records rebuilds whole.
    con = duckdb.connect(str(full_path))
    gone = con.execute("select source_record_id from raw.sms_messages limit 1").fetchone()[0]
    con.execute("delete from raw.sms_messages where source_record_id = ?", [gone])
    con.close()
    run_dbt(full_settings, "run", tmp_path / "dbt_full", select="int_source_records")
    con = duckdb.connect(str(full_path), read_only=True)
    assert con.execute("select plan from intermediate.int_source_records_run").fetchone()[0] == "full"
    left = con.execute(
        "select count(*) from intermediate.int_source_records "
        "where record_kind = 'sms' and source_record_id = ?",
        [gone],
    ).fetchone()[0]
    con.close()
    assert left == 0
