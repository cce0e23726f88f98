"""Load practice config and the offline ZIP database into the `ref` schema that dbt reads as sources."""

from __future__ import annotations

import hashlib
from importlib.metadata import version

import duckdb
import pyarrow as pa
import zipcodes

from orchestration.actions.tracking_tokens import ensure_token_table
from orchestration.practice_config import PracticeConfig

LEAD_SCORES_DDL = """
CREATE TABLE IF NOT EXISTS marts.lead_scores (
  lead_id VARCHAR, as_of TIMESTAMP, score DOUBLE, priority_tier VARCHAR,
  expected_value DOUBLE, reasons VARCHAR[], model_version VARCHAR, route VARCHAR
)
"""


def _zip_table() -> pa.Table:
    rows = [z for z in zipcodes.list_all() if z.get("lat") and z.get("long")]
    return pa.table(
        {
            "zip": [z["zip_code"] for z in rows],
            "lat": [float(z["lat"]) for z in rows],
            "lon": [float(z["long"]) for z in rows],
            "timezone": [z.get("timezone") or None for z in rows],
            "state": [z.get("state") for z in rows],
            "city": [z.get("city") for z in rows],
        }
    )


def _config_tables(config: PracticeConfig) -> dict[str, pa.Table]:
    payers = config.payers
    aliases: dict[str, str] = {}
    for p in payers:
        for alias in (p.id, p.name, *p.aliases):
            aliases.setdefault(alias.strip().lower(), p.id)  # first payer listing an alias wins
    groups = [(g, prefix) for g in config.diagnosis_groups for prefix in g.prefixes]
    clinics = config.practice.clinics
    zips = {z["zip_code"]: z for c in clinics for z in zipcodes.matching(c.zip)}
    return {
        "payers": pa.table(
            {
                "payer_id": [p.id for p in payers],
                "name": [p.name for p in payers],
                "x12_payer_id": [p.payer_id for p in payers],
                "tier": [p.tier for p in payers],
                "rate_per_visit": [float(p.rate_per_visit) for p in payers],
                "auth_required": [p.auth_required for p in payers],
            }
        ),
        "payer_aliases": pa.table({"alias_norm": list(aliases), "payer_id": list(aliases.values())}),
        "diagnosis_groups": pa.table(
            {
                "diagnosis_group": [g.id for g, _ in groups],
                "label": [g.label for g, _ in groups],
                "expected_visits": pa.array([g.expected_visits for g, _ in groups], pa.int32()),
                "prefix": [prefix.upper() for _, prefix in groups],
            }
        ),
        "clinics": pa.table(
            {
                "id": [c.id for c in clinics],
                "name": [c.name for c in clinics],
                "address": [c.address for c in clinics],
                "zip": [c.zip for c in clinics],
                "timezone": [c.timezone for c in clinics],
                "phone": [c.phone for c in clinics],
                "lat": pa.array(
                    [float(zips[c.zip]["lat"]) if c.zip in zips else None for c in clinics], pa.float64()
                ),
                "lon": pa.array(
                    [float(zips[c.zip]["long"]) if c.zip in zips else None for c in clinics], pa.float64()
                ),
            }
        ),
        "therapists": pa.table(
            {
                "id": [t.id for t in config.practice.therapists],
                "name": [t.name for t in config.practice.therapists],
                "clinic_id": [t.clinic for t in config.practice.therapists],
                "specialties": pa.array(
                    [t.specialties for t in config.practice.therapists], pa.list_(pa.string())
                ),
            }
        ),
    }


def _fingerprint(config: PracticeConfig) -> str:
    payload = config.model_dump_json() + "|zipcodes " + version("zipcodes")
    return hashlib.sha256(payload.encode()).hexdigest()


def _current_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT fingerprint FROM ref.load_fingerprint").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def load_reference_data(con: duckdb.DuckDBPyConnection, config: PracticeConfig) -> dict[str, int]:
    """Replace every `ref.*` table in one transaction (skipped when config and ZIP data are unchanged);
    create an empty `marts.lead_scores` and `raw.tracking_tokens` if missing (dbt reads both as sources
    before the scoring and actions steps have ever run)."""
    fingerprint = _fingerprint(config)
    if _current_fingerprint(con) == fingerprint:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(LEAD_SCORES_DDL)
        ensure_token_table(con)
        names = ("payers", "payer_aliases", "diagnosis_groups", "clinics", "therapists", "zip_codes")
        return {n: con.execute(f"SELECT count(*) FROM ref.{n}").fetchone()[0] for n in names}
    tables = {**_config_tables(config), "zip_codes": _zip_table()}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS ref")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE OR REPLACE TABLE ref.load_fingerprint AS SELECT ? AS fingerprint", [fingerprint])
        for name, table in tables.items():
            con.register("_ref_rows", table)
            con.execute(f"CREATE OR REPLACE TABLE ref.{name} AS SELECT * FROM _ref_rows")
            con.unregister("_ref_rows")
        con.execute(LEAD_SCORES_DDL)
        ensure_token_table(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {name: t.num_rows for name, t in tables.items()}
