"""Build a small serving snapshot (DuckDB + snapshot.json) with the published schemas.

Synthetic and PHI-free: ids, codes and counts only. rpt_funnel_daily is aggregated from fct_leads so
the funnel and the leads agree. Used by tests/app (conftest) and tests/browser.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from app_snapshot_details import add_detail_tables

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "app" / "app_pages"
AS_OF = datetime(2025, 6, 30, 12, 0)
FIRST_DAY = date(2025, 3, 3)  # a Monday; 120 days of leads up to AS_OF
CLINICS = [
    ("ATX-S", "South Austin", "78704", "America/Chicago"),
    ("RR", "Round Rock", "78664", "America/Chicago"),
    ("CP", "Cedar Park", "78613", "America/Chicago"),
]
SOURCES = ["fax", "fhir", "webforms", "calls"]
STATUS_BY_DEPTH = ["new", "contacted", "verified", "scheduled", "evaluated"]
PAYERS = [("BCBSTX", "high", 132.0), ("MEDICARE", "standard", 98.0), ("SELFPAY", "low", 60.0)]
DIAGNOSIS_GROUPS = ["knee", "shoulder", "spine", "other"]


def _leads(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        clinic = CLINICS[i % len(CLINICS)][0]
        received = datetime.combine(FIRST_DAY, datetime.min.time()) + timedelta(
            days=float(rng.uniform(0, (AS_OF.date() - FIRST_DAY).days)), hours=float(rng.uniform(7, 18))
        )
        # South Austin converts better than the others, so a clinic filter visibly moves the rates.
        keep = 0.85 if clinic == "ATX-S" else 0.6
        depth = 0
        while depth < 4 and rng.random() < keep:
            depth += 1
        stamps: list[datetime | None] = [received]
        for _ in range(4):
            prev = stamps[-1]
            stamps.append(
                prev + timedelta(hours=float(rng.uniform(1, 72))) if prev and len(stamps) <= depth else None
            )
        status = STATUS_BY_DEPTH[depth]
        post_op = bool(rng.random() < 0.35)
        payer, payer_tier, rate = PAYERS[int(rng.integers(len(PAYERS)))]
        if depth < 3 and rng.random() < 0.3:
            status = "closed_lost"
        score = float(rng.uniform(0.05, 0.95))
        rows.append(
            {
                "lead_id": f"L{i:05d}",
                "person_id": f"P{i:05d}",
                "clinic_id": clinic,
                "source": SOURCES[int(rng.integers(len(SOURCES)))],
                "channel": "fax",
                "referring_npi": "1234567893",
                "payer": payer,
                "received_at": received,
                "first_contact_at": stamps[1],
                "verified_at": stamps[2],
                "scheduled_at": stamps[3],
                "evaluated_at": stamps[4],
                "status": status,
                "priority_tier": "high" if score > 0.7 else "standard" if score > 0.4 else "low",
                "score": score,
                "expected_value": round(score * rate * 10, 2),
                "diagnosis_group": DIAGNOSIS_GROUPS[i % len(DIAGNOSIS_GROUPS)],
                "post_op": post_op,
                "distance_km": float(rng.uniform(1, 40)),
                "payer_tier": payer_tier,
                "episode_revenue": rate * 10,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


def build_snapshot(
    warehouse_dir: Path, n_leads: int = 400, seed: int = 3, published_at: datetime | None = None
) -> Path:
    """Write `<warehouse_dir>/serving/snapshot.duckdb` + snapshot.json; returns the snapshot path."""
    serving = warehouse_dir / "serving"
    serving.mkdir(parents=True, exist_ok=True)
    path = serving / "snapshot.duckdb"
    path.unlink(missing_ok=True)
    leads = _leads(n_leads, seed)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts; create schema ref")
        con.execute("create table ref.clinics (id varchar, name varchar, zip varchar, timezone varchar)")
        con.executemany("insert into ref.clinics values (?, ?, ?, ?)", CLINICS)
        con.register("leads_in", leads)
        con.execute("create table marts.fct_leads as select * from leads_in")
        con.execute(
            """
            create table marts.rpt_funnel_daily as
            select received_at::date as day, source, clinic_id,
                   count(*) as received,
                   count(first_contact_at) as contacted,
                   count(verified_at) as verified,
                   count(scheduled_at) as scheduled,
                   count(evaluated_at) as evaluated
            from marts.fct_leads group by all
            """
        )
        con.execute(
            """
            create table marts.lead_scores as
            select lead_id, ?::timestamp as as_of, score, priority_tier, expected_value,
                   ['Post-surgical referral', 'High-reimbursement payer (BCBSTX)', '5 km from nearest clinic']
                       as reasons,
                   'rules' as model_version
            from marts.fct_leads where status in ('new', 'contacted', 'verified')
            """,
            [AS_OF],
        )
        con.execute(
            """
            create table marts.call_list as
            select l.lead_id, l.clinic_id,
                   case when l.status = 'new' then 'call' else 'follow_up' end as action,
                   'phone' as channel,
                   ?::timestamp + interval 2 hour as due_at,
                   'front_desk' as owner_role,
                   array_to_string(s.reasons, '; ') as reason,
                   'Hello, this is Hill Country PT calling about your referral.' as script,
                   l.priority_tier, l.score, l.expected_value,
                   row_number() over (partition by l.clinic_id order by l.expected_value desc) as rank
            from marts.fct_leads l join marts.lead_scores s using (lead_id)
            """,
            [AS_OF],
        )
        add_detail_tables(con, warehouse_dir, AS_OF)
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
            for t in ("marts.fct_leads", "marts.call_list", "marts.rpt_funnel_daily", "marts.lead_scores")
        }
    finally:
        con.close()
    meta = {
        "as_of": AS_OF.replace(tzinfo=UTC).isoformat(),
        "published_at": (published_at or datetime.now(UTC).replace(microsecond=0)).isoformat(),
        "row_counts": counts,
    }
    (serving / "snapshot.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return path
