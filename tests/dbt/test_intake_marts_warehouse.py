"""The intake marts and the lead lineage on a warehouse the pipeline built: contract columns, one row
per fax / per (lead, 271 answer) with the values of the staging rows they come from, one lineage row
per ingested record, and the marts in the published snapshot.

No fixture of the default run builds a warehouse with faxes and 271 answers, and a pipeline run costs
~60 s, so this is opt-in: PTLEADS_MARTS_WAREHOUSE names a warehouse a run already built (e.g. a
benchmark's), or PTLEADS_HEAVY=1 generates a 150-lead practice with one fax and runs the pipeline.
The logic itself is covered in every pipeline build by the dbt unit tests of both models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from intake_contract import ELIGIBILITY, FAX_EXTRACTIONS, LEAD_SOURCE_RECORDS

from orchestration.settings import REPO_ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("PTLEADS_MARTS_WAREHOUSE") and os.environ.get("PTLEADS_HEAVY") != "1",
        reason="needs a built warehouse: PTLEADS_MARTS_WAREHOUSE=<path> or PTLEADS_HEAVY=1",
    ),
]

# Mart column -> the stg_fax__extractions expression it must equal.
FAX_FROM_STAGING = (
    {c: c for c in FAX_EXTRACTIONS}
    | {
        "phone": "phone_e164",
        "zip": "zip5",
        "payer": "payer_text",
        "needs_review": "needs_review",
        "received_at": "event_at",
        "source_file": "source_file",
    }
    | {f"{c}_confidence": f"{c}_confidence" for c in FAX_EXTRACTIONS[1:]}
)
# Mart column -> the stg_eligibility__responses column it must equal (payer is mapped, checked apart).
ELIGIBILITY_FROM_STAGING = {c: c for c in ELIGIBILITY if c not in ("lead_id", "payer")} | {
    "source_record_id": "source_record_id",
    "payer_name": "payer_text",
    "payer_x12_id": "payer_id",
}


def _build(root: Path) -> Path:
    from orchestration.generator import generate
    from orchestration.pipeline import run_pipeline
    from orchestration.settings import Settings

    end = date(2026, 6, 30)
    generate(
        out_dir=root / "gen",
        seed=5,
        n_leads=150,
        months=2,
        n_clinics=3,
        end=end,
        max_faxes=1,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    settings = Settings().with_overrides(
        inbox=root / "gen" / "inbox",
        warehouse=root / "wh" / "warehouse.duckdb",
        config_dir=root / "gen" / "config",
        as_of=datetime(end.year, end.month, end.day, 23, tzinfo=UTC),
    )
    saved = dict(os.environ)  # the run exports PTLEADS_* into the process environment
    try:
        run_pipeline(settings, lambda _msg: None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return settings.warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("PTLEADS_MARTS_WAREHOUSE")
    return Path(given) if given else _build(tmp_path_factory.mktemp("intake"))


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {relation}").fetchall()]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


def _one_way_differences(con: duckdb.DuckDBPyConnection, left: str, right: str) -> tuple[int, int]:
    """Rows only in `left`, rows only in `right` (bags: duplicates count)."""
    only_left = con.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
    only_right = con.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
    return only_left, only_right


@pytest.mark.parametrize(
    ("mart", "columns"),
    [
        ("marts.fax_extractions", FAX_EXTRACTIONS),
        ("marts.eligibility", ELIGIBILITY),
        ("marts.lead_source_records", LEAD_SOURCE_RECORDS),
    ],
)
def test_marts_start_with_the_contract_columns(con, mart: str, columns: list[str]) -> None:
    assert _columns(con, mart)[: len(columns)] == columns


def test_one_fax_row_per_staged_fax_with_its_values(con) -> None:
    staged = con.execute("select count(*) from staging.stg_fax__extractions").fetchone()[0]
    assert staged >= 1, "the warehouse holds no fax: nothing to compare"
    mart_cols = ", ".join(FAX_FROM_STAGING)
    stg_cols = ", ".join(FAX_FROM_STAGING.values())
    diff = _one_way_differences(
        con,
        f"select {mart_cols} from marts.fax_extractions",
        f"select {stg_cols} from staging.stg_fax__extractions",
    )
    assert diff == (0, 0)
    # A fax that opened a lead names it; the lead is a real one.
    orphans = con.execute(
        "select count(*) from marts.fax_extractions f "
        "where f.lead_id is not null and f.lead_id not in (select lead_id from marts.fct_leads)"
    ).fetchone()[0]
    assert orphans == 0


def test_one_eligibility_row_per_lead_and_answer_with_its_values(con) -> None:
    attributed = (
        "from staging.stg_eligibility__responses e inner join intermediate.int_touches_attributed t "
        "on e.source = t.source and e.source_record_id = t.source_record_id "
        "and t.record_kind = 'eligibility' and t.lead_id is not null"
    )
    expected = con.execute(f"select count(*) {attributed}").fetchone()[0]
    assert expected >= 1, "the warehouse holds no attributed 271 answer: nothing to compare"
    rows, keys = con.execute(
        "select count(*), count(distinct (lead_id, source_record_id)) from marts.eligibility"
    ).fetchone()
    assert rows == keys == expected
    mart_cols = ", ".join(["lead_id", *ELIGIBILITY_FROM_STAGING])
    stg_cols = ", ".join(["t.lead_id", *(f"e.{c}" for c in ELIGIBILITY_FROM_STAGING.values())])
    diff = _one_way_differences(
        con, f"select {mart_cols} from marts.eligibility", f"select {stg_cols} {attributed}"
    )
    assert diff == (0, 0)
    # Every answer belongs to a lead of fct_leads; verified leads are exactly the leads with an answer.
    assert (
        _scalar(con, "select count(*) from marts.eligibility anti join marts.fct_leads using (lead_id)") == 0
    )
    verified = _scalar(con, "select count(*) from marts.fct_leads where verified_at is not null")
    assert verified == _scalar(con, "select count(distinct lead_id) from marts.eligibility")
    # The payer is canonical: an id of dim_payers when it is not null.
    unknown = (
        "select count(*) from marts.eligibility where payer not in (select payer_id from marts.dim_payers)"
    )
    assert _scalar(con, unknown) == 0


def test_lead_source_records_has_one_row_per_ingested_record(con) -> None:
    rows, records, kindless = con.execute(
        "select count(*), count(distinct (source, record_kind, source_record_id)), "
        "count(*) - count(record_kind) from marts.lead_source_records"
    ).fetchone()
    assert (rows, kindless) == (records, 0)
    # Each voicemail is listed once though it both opens its lead and is a touch.
    voicemails = _scalar(
        con,
        "select count(distinct record_key) from (select record_key from intermediate.int_lead_episodes "
        "where record_kind = 'voicemail' union all select record_key "
        "from intermediate.int_touches_attributed where record_kind = 'voicemail' and lead_id is not null)",
    )
    listed = _scalar(con, "select count(*) from marts.lead_source_records where record_kind = 'voicemail'")
    assert listed == voicemails > 0


def test_published_snapshot_holds_the_intake_marts(con, warehouse: Path) -> None:
    snapshot = warehouse.parent / "serving" / "snapshot.duckdb"
    if not snapshot.exists():
        pytest.skip("this warehouse was not published")
    published = duckdb.connect(str(snapshot), read_only=True)
    try:
        for mart in ("marts.fax_extractions", "marts.eligibility", "marts.lead_source_records"):
            count = published.execute(f"select count(*) from {mart}").fetchone()[0]
            assert count == con.execute(f"select count(*) from {mart}").fetchone()[0], mart
    finally:
        published.close()
