"""End to end on a hand-made inbox (12 FHIR referrals, 9 web forms, one person in both): counts, dbt tests,
snapshot, rerun."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.pipeline import PipelineError, run_pipeline
from orchestration.serving import bucket_state
from orchestration.serving.publish import SNAPSHOT_EXTRA_TABLES
from orchestration.settings import REPO_ROOT, Settings

AS_OF = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
FHIR_OFFSETS = [2, 3, 5, 8, 10, 12, 20, 25, 35, 40, 50, 60]  # days before as_of
# Referral 0 is post-op aftercare; referral 2 names three conditions (one twice, without its dot).
REFERRAL_CODES = {0: ["Z47.1"], 2: ["M17.11", "M25.561", "M54.50", "M1711"]}
# index -> (status, booked days after receipt, start days after receipt)
APPOINTMENTS = {1: ("booked", 1, 5), 3: ("fulfilled", 1, 3), 5: ("noshow", 1, 3), 9: ("fulfilled", 2, 6)}
FORM_OFFSETS = [1, 4, 6, 15, 28, 31, 45, 90, -2]  # the last one arrives after as_of: it must not count
# Distinct people, as a practice would see them (identity resolution rightly merges look-alike names).
FHIR_NAMES = [
    ("Okafor", "Adaeze"),
    ("Lindqvist", "Peter"),
    ("Ramirez", "Lucia"),
    ("Thompson", "Gary"),
    ("Nakamura", "Hiroshi"),
    ("Brennan", "Siobhan"),
    ("Patel", "Anika"),
    ("Kowalski", "Tomasz"),
    ("Haddad", "Rania"),
    ("Whitfield", "Dorothy"),
    ("Mbeki", "Sipho"),
    ("Castillo", "Marco"),
]
FORM_NAMES = [
    "Yusuf Demir",
    "Greta Holm",
    "Wendell Price",
    "Anika Patel",
    "Beatriz Souza",
    "Callum Fraser",
    "Ines Moreau",
    "Otis Redding",
    "Priya Raman",
]


def _iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


def _write_inbox(inbox: Path) -> None:
    fhir, forms = inbox / "fhir", inbox / "webforms"
    fhir.mkdir(parents=True)
    forms.mkdir(parents=True)
    patients, requests, coverages, appointments = [], [], [], []
    for i, days in enumerate(FHIR_OFFSETS):
        received = AS_OF - timedelta(days=days)
        patients.append(
            {
                "resourceType": "Patient",
                "id": f"pat-{i}",
                "name": [{"family": FHIR_NAMES[i][0], "given": [FHIR_NAMES[i][1]]}],
                "birthDate": f"19{50 + i}-{1 + i:02d}-{3 + 2 * i:02d}",
                "telecom": [{"system": "phone", "value": f"(512) 555-01{i:02d}"}],
                "address": [{"postalCode": "78704"}],
            }
        )
        coverages.append(
            {
                "resourceType": "Coverage",
                "id": f"cov-{i}",
                "status": "active",
                "beneficiary": {"reference": f"Patient/pat-{i}"},
                "payor": [{"display": "Medicaid" if i % 4 == 0 else "Aetna PPO"}],
            }
        )
        requests.append(
            {
                "resourceType": "ServiceRequest",
                "id": f"sr-{i}",
                "status": "active",
                "intent": "order",
                "subject": {"reference": f"Patient/pat-{i}"},
                "authoredOn": _iso(received),
                "reasonCode": [
                    {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}
                    for code in REFERRAL_CODES.get(i, ["M17.11"])
                ],
                "insurance": [{"reference": f"Coverage/cov-{i}"}],
            }
        )
        if i in APPOINTMENTS:
            status, booked, start = APPOINTMENTS[i]
            appointments.append(
                {
                    "resourceType": "Appointment",
                    "id": f"appt-{i}",
                    "status": status,
                    "appointmentType": {"text": "PT Evaluation"},
                    "created": _iso(received + timedelta(days=booked)),
                    "start": _iso(received + timedelta(days=start)),
                    "participant": [{"actor": {"reference": f"Patient/pat-{i}"}, "status": "accepted"}],
                }
            )
    for name, rows in (
        ("Patient", patients),
        ("ServiceRequest", requests),
        ("Coverage", coverages),
        ("Appointment", appointments),
    ):
        (fhir / f"{name}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (fhir / "Broken.ndjson").write_bytes(b"\xff\xfe not utf-8")
    lines = []
    for j, days in enumerate(FORM_OFFSETS):
        same_person = j == 3  # FHIR patient 6 again (name + DOB), 5 days later: the same lead episode
        lines.append(
            {
                "submission_id": f"wf-{j}",
                "submitted_at": _iso(AS_OF - timedelta(days=days)),
                "name": FORM_NAMES[j],
                "date_of_birth": "07/15/1956" if same_person else f"{1 + j:02d}/{10 + 2 * j}/{1962 + 3 * j}",
                "phone": f"512-555-02{j:02d}",
                "email": f"p{j}@example.org",
                "zip": "78664",
                "reason": "low back pain",
                "insurance": "BCBS TX",
                "member_id": "",
                "referred_by": "",
                "preferred_location": "Round Rock",
                "preferred_contact": "phone",
                "sms_opt_in": "yes",
                "email_opt_in": "no",
                "message": "",
            }
        )
    (forms / "webform_2025-06.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


def _phase1_left_out_nodes(settings: Settings) -> tuple[int, int]:
    """(unit tests, full_build_only data tests) the last phase-1 build ran (its run_results + manifest)."""
    target = settings.warehouse.parent / "dbt_target" / "dbt_phase1"
    ran = [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    unit = sum(1 for uid in ran if uid.startswith("unit_test."))
    tagged = sum(1 for uid in ran if "full_build_only" in nodes.get(uid, {}).get("tags", []))
    return unit, tagged


def _marts(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()
            for t in ("fct_leads", "call_list", "rpt_funnel_daily", "ml_lead_features", "lead_source_records")
        }
    finally:
        con.close()


@pytest.mark.slow
def test_run_pipeline_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_inbox(tmp_path / "inbox")
    # The practice has the run push its lists as CSV files (push.yaml `after_run`) once they are written.
    (tmp_path / "push.yaml").write_text("csv_dir: call_lists\nafter_run: [csv]\n")
    monkeypatch.setenv("PTLEADS_PUSH", str(tmp_path / "push.yaml"))
    settings = Settings().with_overrides(
        inbox=tmp_path / "inbox",
        warehouse=tmp_path / "w" / "warehouse.duckdb",
        config_dir=REPO_ROOT / "config",
        as_of=AS_OF,
    )
    messages: list[str] = []
    ptleads_env = {k: v for k, v in os.environ.items() if k.startswith("PTLEADS_")}
    summary = run_pipeline(settings, messages.append)
    # The run's paths and as-of reach dbt through the environment only while it runs: a long-lived
    # process (Dagster, this test runner) must not carry this run's as-of into the next one.
    assert {k: v for k, v in os.environ.items() if k.startswith("PTLEADS_")} == ptleads_env
    # 9 open leads + 1 scheduled lead whose evaluation was a no-show (it re-enters nurturing), all due today.
    assert "19 leads (9 open), 10 on the call list" in summary
    assert any("quarantined Broken.ndjson" in m for m in messages)
    assert any("dbt phase 2" in m and "done" in m for m in messages)
    # What the call list does not read comes after it (the score drift, the SLA table, dbt phase 3: lineage,
    # eligibility, reports); the 270 outbox (the insurance tasks read what it sent) before the next actions;
    # publish after everything it copies.
    order = {}
    for index, message in enumerate(messages):
        for step in ("outbox:", "next actions:", "call list:", "push:", "sla:", "drift:", "dbt phase 3"):
            if step in message:
                order.setdefault(step, index)
    order["publish:"] = next(i for i, m in enumerate(messages) if "publish:" in m)
    assert order["outbox:"] < order["next actions:"] < order["call list:"] < order["sla:"] < order["publish:"]
    assert order["call list:"] < order["drift:"] < order["publish:"]
    assert order["call list:"] < order["dbt phase 3"] < order["publish:"]
    assert any("dbt phase 3" in m and "done" in m for m in messages)
    # The run's push goes first after the call list: staff have their lists before the reports and publish.
    assert order["call list:"] < order["push:"] < min(order["sla:"], order["drift:"], order["dbt phase 3"])
    pushed = sorted((settings.warehouse.parent / "call_lists" / "2025-06-30").glob("call_list_*.csv"))
    assert pushed and "push: 10 rows by csv in" in messages[order["push:"]]

    snap = duckdb.connect(str(settings.snapshot), read_only=True)
    statuses = dict(snap.execute("SELECT status, count(*) FROM marts.fct_leads GROUP BY 1").fetchall())
    assert statuses == {"new": 9, "scheduled": 2, "evaluated": 2, "closed_lost": 6}
    persons = snap.execute("SELECT count(DISTINCT person_id) FROM marts.fct_leads").fetchone()[0]
    assert persons == 19  # web form 3 is FHIR patient 6 again
    shared = snap.execute(
        "SELECT count(DISTINCT lead_id) FROM marts.lead_source_records "
        "WHERE source_record_id IN ('sr-6', 'wf-3')"
    ).fetchone()[0]
    assert shared == 1  # two channels, one episode
    (tier, payer, post_op) = snap.execute(
        "SELECT f.priority_tier, f.payer, m.post_op FROM marts.fct_leads f JOIN marts.ml_lead_features m "
        "USING (lead_id) WHERE f.source = 'fhir' ORDER BY f.received_at DESC LIMIT 1"
    ).fetchone()
    assert (payer, post_op) == ("TX_MEDICAID", True)  # Medicaid alias, Z47.1 aftercare code
    assert tier in (
        "high",
        "standard",
        "complex",
    )  # ml.score's tier when it scored the lead, else the dbt rule
    # Distinct codes (dots and case ignored) reach the feature mart, and the min_diagnoses rule fires.
    several = snap.execute(
        "SELECT m.n_diagnoses, f.priority_tier FROM marts.ml_lead_features m JOIN marts.fct_leads f "
        "USING (lead_id) JOIN marts.lead_source_records s USING (lead_id) WHERE s.source_record_id = 'sr-2'"
    ).fetchall()
    assert set(several) == {(3, "complex")}
    assert snap.execute("SELECT max(n_diagnoses) FROM marts.ml_lead_features").fetchone()[0] == 3
    # One list per clinic and owner role (the engine's marts.call_list), each ranked from 1.
    assert snap.execute("SELECT count(*) FROM marts.call_list WHERE rank = 1").fetchone()[0] == len(
        snap.execute("SELECT DISTINCT clinic_id, owner_role FROM marts.call_list").fetchall()
    )
    actions = snap.execute("SELECT count(*), count(DISTINCT lead_id) FROM marts.next_actions").fetchone()
    assert actions == (10, 10)  # one per lead
    open_with_action = snap.execute(
        "SELECT count(*) FROM marts.fct_leads WHERE status = 'new' "
        "AND lead_id IN (SELECT lead_id FROM marts.next_actions)"
    ).fetchone()[0]
    assert open_with_action == 9
    # What the app reads is published (marts, ref and four raw/staging tables); nothing else is.
    published = {
        (r[0], r[1]) for r in snap.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    }
    # (and the publish step's own bucket sums of the big tables, bucket_state.SCHEMA)
    assert {r for r in published if r[0] not in ("marts", "ref", bucket_state.SCHEMA)} == set(
        SNAPSHOT_EXTRA_TABLES
    )
    assert ("marts", "fct_leads") in published and ("ref", "clinics") in published
    snap.close()
    meta = json.loads(settings.snapshot.with_name("snapshot.json").read_text())
    assert meta["row_counts"]["marts.fct_leads"] == 19
    assert (settings.quarantine / "fhir" / "Broken.ndjson.reason.txt").exists()

    before = _marts(settings.snapshot)
    unit, full_only = _phase1_left_out_nodes(settings)
    assert unit > 0 and full_only > 0  # a first build runs every guard
    log_before = (
        duckdb.connect(str(settings.warehouse), read_only=True)
        .execute("SELECT count(*) FROM raw.ingest_log")
        .fetchone()[0]
    )
    messages.clear()
    run_pipeline(settings, messages.append)
    assert _marts(settings.snapshot) == before
    # The same as-of again: the lists were pushed once (marts.push_log), not twice.
    assert [m.split("] ", 1)[1] for m in messages if "push:" in m] == [
        f"push: 0 rows by csv in 0 pushes (0 failed), {len(pushed)} lists already sent for this as-of"
    ]
    # A daily run (increment state present, SQL unchanged since its unit tests passed) leaves both out
    # (orchestration/transform/dbt_daily_selection.py) and Dagster still materialises every asset.
    assert _phase1_left_out_nodes(settings) == (0, 0)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.ingest_log").fetchone()[0] == log_before
        # ... as increments: what the pipeline's phases select or leave out must not make an increment's
        # plan check fail (the replay test runs its later days with plain `dbt run`, not these phases)
        run_tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND column_name = 'plan' AND table_name LIKE '%_run'"
        ).fetchall()
        plans = {table: con.execute(f"SELECT plan FROM {table}").fetchone()[0] for (table,) in run_tables}
    assert "intermediate.int_source_records_run" in plans
    assert {table: plan for table, plan in plans.items() if plan != "increment"} == {}


@pytest.mark.slow
def test_config_error_is_a_one_line_pipeline_error(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "profiles").mkdir(parents=True)
    for name in ("payers.yaml", "diagnosis_groups.yaml"):
        (config / name).write_text((REPO_ROOT / "config" / name).read_text())
    (config / "practice.yaml").write_text("name: x\nclinics: []\n")
    settings = Settings().with_overrides(
        inbox=tmp_path / "inbox", warehouse=tmp_path / "w.duckdb", config_dir=config, as_of=AS_OF
    )
    with pytest.raises(PipelineError) as info:
        run_pipeline(settings, lambda _m: None)
    assert "practice.yaml: key clinics (line 2)" in str(info.value)
    assert "\n" not in str(info.value)
