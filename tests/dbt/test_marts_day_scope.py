"""The marts' daily increments (macros/incremental_marts.sql) recompute every row the day can change.

A handful of web-form leads is built as of day 1 (first build: every mart built whole), then day 2 lands
two forms and the marts run as increments. What day 2 changes, each outside the rows a naive "persons the
upstream recomputed" scope would list:
- a person's earliest named record changes (a back-dated form of the same person with another ZIP):
  dim_persons' zip5 is that record's;
- an old lead's receipt moves 20 days back (a new version of its form), so its 14-day outcome is now
  matured before another person's lead was received: that lead's source history counts it;
- with no new data, a lead's 14-day label settles (null -> 0) and another closes as lost after
  lost_after_days (is_open true -> false) because the as-of moved one day.
Each mart must equal a full rebuild of it (EXCEPT ALL both ways) and must have run as an increment.

Three dbt runs over the identity and lead models (~70 s on a quiet machine, 250-300 s at load 10-14): opt-in
with PTLEADS_HEAVY=1 (CI time; tests/pipeline/test_incremental_replay.py holds every mart to a full refresh
in the default run). Without the history rule of incremental_marts.sql it fails (wf-late's count stays 1).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.framework import ParseContext, ensure_raw_schema, ingest_source
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES, source_by_name
from orchestration.practice_config import load_practice_config
from orchestration.settings import REPO_ROOT, Settings
from orchestration.transform.dbt_invoke import run_dbt
from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from orchestration.transform.reference_data import load_reference_data

DAY1 = datetime(2025, 6, 29, 12, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
MARTS = ("dim_persons", "lead_source_records", "ml_lead_features", "fct_touches")
SELECT = " ".join(f"+{name}" for name in MARTS)


def _form(
    sid: str, first: str, last: str, submitted: datetime, n: int, zip5: str = "78664"
) -> dict[str, str]:
    return {
        "submission_id": sid,
        "submitted_at": submitted.isoformat().replace("+00:00", "Z"),
        "name": f"{first} {last}",
        "date_of_birth": f"0{1 + n % 9}/1{n % 10}/19{60 + n}",
        "phone": f"512-555-04{n:02d}",
        "email": f"m{n}@example.org",
        "zip": zip5,
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


def _land(settings: Settings, name: str, forms: list[dict[str, str]]) -> None:
    folder = settings.inbox / "webforms"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(f) + "\n" for f in forms))
    ctx = ParseContext(
        settings.config_dir, load_profiles(settings.config_dir), warehouse_dir=settings.warehouse.parent
    )
    con = duckdb.connect(str(settings.warehouse))
    try:
        ensure_raw_schema(con, SOURCES)
        load_reference_data(con, load_practice_config(settings.config_dir))
        ingest_source(con, source_by_name("webforms"), settings.inbox, settings.quarantine, ctx)
    finally:
        con.close()


def _features(con: duckdb.DuckDBPyConnection, submission_id: str) -> tuple:
    return con.execute(
        "select f.source_prior_leads, f.label_scheduled_14d, f.is_open from marts.ml_lead_features as f "
        "inner join intermediate.int_lead_episodes as e on f.lead_id = e.lead_id "
        "where e.source_record_id = ?",
        [submission_id],
    ).fetchone()


def _zip_of(con: duckdb.DuckDBPyConnection, submission_id: str) -> str:
    return con.execute(
        "select d.zip5 from marts.dim_persons as d inner join intermediate.int_persons_matched as p "
        "on d.person_id = p.person_id where p.source_record_id = ?",
        [submission_id],
    ).fetchone()[0]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PTLEADS_HEAVY") != "1", reason="opt-in (PTLEADS_HEAVY=1): three dbt runs")
def test_marts_day_increments_recompute_what_the_day_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings = Settings().with_overrides(
        inbox=tmp_path / "inbox",
        warehouse=tmp_path / "inc" / "warehouse.duckdb",
        config_dir=REPO_ROOT / "config",
        as_of=DAY1,
    )
    settings.warehouse.parent.mkdir(parents=True)
    _land(
        settings,
        "forms_1.jsonl",
        [
            _form("wf-p1", "Testa", "Persona", DAY1 - timedelta(days=5), 1),
            _form("wf-old", "Testa", "Oldlead", DAY1 - timedelta(days=10), 2),
            _form("wf-late", "Testa", "Latelead", DAY1 - timedelta(days=1), 3),
            _form("wf-settle", "Testa", "Settles", DAY1 - timedelta(days=13, hours=12), 4),
            _form("wf-lost", "Testa", "Lostlead", DAY1 - timedelta(days=29, hours=12), 5),
        ],
    )
    target = tmp_path / "dbt"
    parsed = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if parsed.is_file():
        target.mkdir()
        shutil.copy(parsed, target / parsed.name)
    run_dbt(settings, "run", target, select=SELECT)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        before = {sid: _features(con, sid) for sid in ("wf-late", "wf-settle", "wf-lost")}
        zip_before = _zip_of(con, "wf-p1")
    finally:
        con.close()

    _land(
        settings,
        "forms_2.jsonl",
        [
            # the same person as wf-p1, earlier, from another ZIP
            _form("wf-p0", "Testa", "Persona", DAY1 - timedelta(days=8), 1, zip5="78701"),
            # a new version of wf-old: received 30 days before day 1 (outcome matured before wf-late)
            _form("wf-old", "Testa", "Oldlead", DAY1 - timedelta(days=30), 2),
        ],
    )
    day2 = settings.with_overrides(as_of=DAY2)
    run_dbt(day2, "run", target, select=SELECT)

    full = tmp_path / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(settings.warehouse, full)
    run_dbt(
        day2.with_overrides(warehouse=full),
        "run",
        tmp_path / "dbt_full",
        select=" ".join(MARTS),
        full_refresh=True,
    )

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        plans = {m: con.execute(f"select plan from marts_state.{m}_run").fetchone()[0] for m in MARTS}
        assert plans == dict.fromkeys(MARTS, "increment")
        # what the day changed, so the equality below is not trivial
        assert (zip_before, _zip_of(con, "wf-p1")) == ("78664", "78701")
        # ... to leads of persons no upstream increment recomputed (a person-keyed scope would miss them)
        recomputed = {
            person
            for (person,) in con.execute(
                " union ".join(
                    f"select person_id from intermediate.{m}_changes"
                    for m in (
                        "int_lead_episodes",
                        "int_leads_resolved",
                        "int_lead_appointments",
                        "int_touches_attributed",
                    )
                )
            ).fetchall()
        }
        persons = dict(
            con.execute(
                "select source_record_id, person_id from intermediate.int_persons_matched "
                "where source_record_id in ('wf-late', 'wf-settle', 'wf-lost', 'wf-old')"
            ).fetchall()
        )
        assert persons["wf-old"] in recomputed
        assert {persons[sid] for sid in before} & recomputed == set()
        after = {sid: _features(con, sid) for sid in before}
        assert after["wf-late"][0] == before["wf-late"][0] + 1  # the moved outcome now counts
        assert (before["wf-settle"][1], after["wf-settle"][1]) == (None, 0)
        assert (before["wf-lost"][2], after["wf-lost"][2]) == (True, False)
        con.execute(f"attach '{full}' as full_build (read_only)")
        for mart in MARTS:
            inc, rebuilt = f"select * from marts.{mart}", f"select * from full_build.marts.{mart}"
            only_inc = con.execute(f"select count(*) from ({inc} except all {rebuilt})").fetchone()[0]
            only_full = con.execute(f"select count(*) from ({rebuilt} except all {inc})").fetchone()[0]
            assert (mart, only_inc, only_full) == (mart, 0, 0)
    finally:
        con.close()
