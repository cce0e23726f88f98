r"""stg_ml__lead_scores: the view's window over every day's marts.lead_scores vs the daily increment.

A scratch warehouse holds a synthetic marts.lead_scores: `--days` as-ofs of `--per-day` open leads each (a
lead is open ~10 days: day d scores leads [d * per_day / 10, that + per_day)). The model is built as of the
day before the last (dbt, plan 'create'), then, interleaved `--rounds` times as of the last day:
- old: the former view's SELECT (window over every day's scores), materialized once (each phase 2 read it
  three times: fct_leads and two tests);
- new: the increment's statements (macros/incremental_lead_scores.sql: scope, delete, insert of the latest
  score of the scope's leads from rows since the last build's as-of), on a copy of the table.
Process CPU seconds (DuckDB's threads included) and wall seconds per statement group; the rows of the
increment's table equal the old SELECT's (EXCEPT ALL both ways). Then one dbt run of the model as of the
last day (plan 'increment') for its node time.

    PTLEADS_DUCKDB_MEMORY_LIMIT=3GB nice -n 5 uv run python benchmarks/lead_scores_increment.py \
        --work /tmp/hXX
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.settings import Settings
from orchestration.transform.dbt_invoke import run_dbt

FIRST = datetime(2026, 1, 1, 23, 59, 59)
OLD = """
    select lead_id, as_of as scored_as_of, score, priority_tier, expected_value,
        cast(reasons as varchar) as reasons, model_version, route
    from marts.lead_scores where as_of <= {a}
    qualify row_number() over (partition by lead_id order by scored_as_of desc, model_version desc) = 1
"""
INCREMENT = """
    create or replace table marts_state.bench_scope as
    with recent as (
        select distinct lead_id from marts.lead_scores where as_of >= {last} and as_of <= {a}
    )
    select lead_id, false as lost from recent
    union all
    select lead_id, true as lost from bench.scores
    where scored_as_of >= {last} and lead_id not in (select lead_id from recent);
    delete from bench.scores where lead_id in (select lead_id from marts_state.bench_scope);
    insert into bench.scores
    select lead_id, as_of as scored_as_of, score, priority_tier, expected_value,
        cast(reasons as varchar) as reasons, model_version, route
    from marts.lead_scores where as_of <= {a} and as_of >= {last}
    qualify row_number() over (partition by lead_id order by scored_as_of desc, model_version desc) = 1;
"""


def _ts(at: datetime) -> str:
    return f"timestamp '{at:%Y-%m-%d %H:%M:%S}'"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    con.execute(sql)
    return round(time.perf_counter() - wall, 3), round(_cpu() - cpu, 3)


def _generate(con: duckdb.DuckDBPyConnection, days: int, per_day: int) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.lead_scores (lead_id varchar, as_of timestamp, score double, "
        "priority_tier varchar, expected_value double, reasons varchar[], model_version varchar, "
        "route varchar)"
    )
    for day in range(days):  # appended day by day, as ml/score.py does
        con.execute(
            f"""
            insert into marts.lead_scores
            select 'L' || lpad(cast(i as varchar), 8, '0'), {_ts(FIRST + timedelta(days=day))},
                hash(i, {day}) % 1000 / 1000.0, ['complex', 'high', 'standard'][1 + i % 3], (i % 97) * 1.5,
                ['reason one ' || i % 11, 'reason two ' || i % 7, 'reason three'], '7', 'standard_queue'
            from range({day * per_day // 10}, {day * per_day // 10 + per_day}) as t(i)
            """
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--per-day", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    warehouse = args.work / "warehouse.duckdb"
    last = FIRST + timedelta(days=args.days - 1)
    before = last - timedelta(days=1)
    settings = Settings().with_overrides(warehouse=warehouse, as_of=before.replace(tzinfo=UTC))
    con = duckdb.connect(str(warehouse), config=settings.duckdb_config())
    _generate(con, args.days, args.per_day)
    rows = con.execute("select count(*) from marts.lead_scores").fetchone()[0]
    con.close()
    run_dbt(settings, "run", args.work / "dbt", select="stg_ml__lead_scores")  # built as of the day before

    con = duckdb.connect(str(warehouse), config=settings.duckdb_config())
    con.execute("create schema if not exists bench")
    rounds = []
    for _ in range(args.rounds):
        con.execute("create or replace table bench.scores as select * from staging.stg_ml__lead_scores")
        old = _timed(con, f"create or replace table bench.old as {OLD.format(a=_ts(last))}")
        new = _timed(con, INCREMENT.format(a=_ts(last), last=_ts(before)))
        rounds.append({"old_wall_cpu": old, "increment_wall_cpu": new, "load": os.getloadavg()[0]})
    diff = con.execute(
        "select (select count(*) from (from bench.scores except all from bench.old)), "
        "(select count(*) from (from bench.old except all from bench.scores))"
    ).fetchone()
    scope = con.execute("select count(*) from marts_state.bench_scope").fetchone()[0]
    con.close()

    run_dbt(
        settings.with_overrides(as_of=last.replace(tzinfo=UTC)),
        "run",
        args.work / "dbt_day",
        select="stg_ml__lead_scores",
    )
    results = json.loads((args.work / "dbt_day" / "run_results.json").read_text())
    node = next(r for r in results["results"] if r["unique_id"].endswith("stg_ml__lead_scores"))
    con = duckdb.connect(str(warehouse), read_only=True)
    plan = con.execute("select plan from marts_state.stg_ml__lead_scores_run").fetchone()[0]
    con.close()
    print(
        json.dumps(
            {
                "lead_scores_rows": rows,
                "days": args.days,
                "per_day": args.per_day,
                "scope_leads": scope,
                "rounds": rounds,
                "increment_vs_old_rows": diff,
                "dbt_day_plan": plan,
                "dbt_day_node_seconds": round(node["execution_time"], 3),
                "disk_mb": warehouse.stat().st_size // 2**20,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
