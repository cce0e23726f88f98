"""What the staging views' "latest version of each record" costs the models that read them, and what a
duplicate-keys-first form would save. Read-only, on a warehouse a full build made (the compiled SQL from that
build's target folder).

Every staging view keeps one row per record id with `qualify row_number() over (partition by id order by
...) = 1`. DuckDB runs that as a hash aggregate carrying each row's columns (arg_max) or, for FHIR's two
order keys, a window: at 1M leads every raw row is unique, yet int_source_records spends about half its
operator time there. The "new" form keeps the unique ids' rows as they are and ranks only the ids that
occur more than once (null ids go there too, so the result is the same rows):

    select * from raw where W and id is not null and id not in (dups)
    union all
    select * from raw where W and (id is null or id in (dups)) qualify row_number() over (...) = 1
    -- dups: select id from raw where W and id is not null group by id having count(*) > 1

Each model runs twice in one process (old views, then temp views in the new form), written to a temp
table; the two results must hold the same rows (count and an order-free hash sum).

    uv run python benchmarks/staging_dedupe_ab.py WAREHOUSE TARGET_DIR --models int_source_records \
        int_lead_appointments --out benchmarks/results/staging-dedupe-ab-1000000-DATE.json

Not in the product: `dups` as an uncorrelated subquery scans every raw id on each read, which a daily
increment's selective reads would pay too (4.2 s wall for one pass over the 16 dedupes' 1M raw tables on a
slow machine); the product needs the duplicate ids kept as data (see SCALE.md, session 26).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# One staging dedupe as dbt compiles it (a raw table, an optional alias, its filter, then the qualify).
DEDUPE = re.compile(
    r'select \*\s+from ("warehouse"\."raw"\."\w+")( as \w+)?\s+where (.*?)\s+'
    r"qualify row_number\(\) over \(\s*partition by (\w+) order by (.*?)\s*\) = 1",
    re.S,
)
# Models whose full build plans joins as written (their pre-hook, macros/joins_build_as_written.sql).
AS_WRITTEN = {"int_lead_appointments"}


def duplicates_first(sql: str) -> tuple[str, int]:
    """`sql` with every staging dedupe in the duplicate-ids-first form; the number rewritten."""

    def rewrite(match: re.Match[str]) -> str:
        raw, alias, where, key, order = (match.group(1), match.group(2) or "", *match.group(3, 4, 5))
        dups = (
            f"(select {key} from {raw}{alias} where ({where}) and {key} is not null "
            f"group by {key} having count(*) > 1)"
        )
        return (
            f"select * from {raw}{alias} where ({where}) and {key} is not null and {key} not in {dups}\n"
            f"union all\nselect * from {raw}{alias} where ({where}) and ({key} is null or {key} in {dups})\n"
            f"qualify row_number() over (partition by {key} order by {order}) = 1"
        )

    return DEDUPE.subn(rewrite, sql)


def model_select(target: Path, model: str) -> str:
    """The select of a model's compiled `create table ... as (...)` (the first build's, from target/run)."""
    [path] = list((target / "run").rglob(f"{model}.sql"))
    sql = path.read_text(encoding="utf-8")
    opening = re.search(r"create\s+table\s+\S+\s+as\s*\(", sql, re.I)
    if opening is None:
        raise SystemExit(f"{path}: not a compiled table build")
    body = sql[opening.end() :]
    return body[: body.rstrip().rfind(")")]


def run_once(warehouse: Path, target: Path, model: str, new: bool, memory_limit: str) -> dict[str, object]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only); use warehouse")
        # The settings of profiles.yml (one model at a time, two DuckDB threads).
        con.execute(
            f"set memory_limit = '{memory_limit}'; set preserve_insertion_order = false; "
            "set asof_loop_join_threshold = 0"
        )
        if model in AS_WRITTEN:
            con.execute("set disabled_optimizers = 'build_side_probe_side'")
        body, rewritten = model_select(target, model), 0
        if new:
            for view in sorted((target / "compiled").rglob("stg_*.sql")):
                reference = f'"warehouse"."staging"."{view.stem}"'
                if reference not in body:
                    continue
                sql, count = duplicates_first(view.read_text(encoding="utf-8"))
                if count:
                    rewritten += count
                    con.execute(f'create temp view "{view.stem}" as {sql}')
                    body = body.replace(reference, f'temp.main."{view.stem}"')
        started, cpu_started = time.perf_counter(), time.process_time()
        con.execute(f"create temp table model_out as {body}")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        rows, checksum = con.execute("select count(*), sum(hash(m)) from model_out as m").fetchone()
    finally:
        con.close()
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rows": rows,
        "checksum": str(checksum),
        "dedupes_rewritten": rewritten,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("warehouse", type=Path, help="a warehouse after a full build (opened read-only)")
    ap.add_argument("target", type=Path, help="that build's dbt target folder (compiled/ and run/)")
    ap.add_argument("--models", nargs="+", default=["int_source_records", "int_lead_appointments"])
    ap.add_argument("--memory-limit", default=os.environ.get("PTLEADS_DUCKDB_MEMORY_LIMIT", "6GB"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results: dict[str, object] = {}
    for model in args.models:
        old = run_once(args.warehouse, args.target, model, False, args.memory_limit)
        new = run_once(args.warehouse, args.target, model, True, args.memory_limit)
        same = (old["rows"], old["checksum"]) == (new["rows"], new["checksum"])
        results[model] = {"old": old, "new": new, "same_rows": same}
        print(
            f"{model}: old {old['wall_s']} s ({old['cpu_s']} CPU-s), new {new['wall_s']} s "
            f"({new['cpu_s']} CPU-s), {new['dedupes_rewritten']} dedupes rewritten, same rows: {same}",
            flush=True,
        )
    if args.out:
        out = {
            "what": "staging dedupe A/B (benchmarks/staging_dedupe_ab.py): each model's first-build select, "
            "old views vs duplicate-ids-first views, read-only",
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(),
            "memory_limit": args.memory_limit,
            "models": results,
        }
        args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
