"""The identity day's scans of every pair at a larger size, on a synthetic pair table: a day's warehouse
pairs (int_record_matches) copied N times with suffixed keys (x40 of the 100k day is about the 1M size),
with its affected nodes (int_record_matches_cluster_keys) and stale nodes (int_record_matches_dirty) copied
alike. Times, one thread, CPU-s (best of 3):

- old: the kept pairs' scan for the stale nodes, then int_persons_clustered joining every pair with the
  affected nodes;
- new (h100): one scan for the stale and the affected nodes keeping the affected nodes' pairs, then the
  clustering join on those only.

    uv run python benchmarks/identity_pair_scans.py WAREHOUSE --copies 10 --scratch /tmp/hXX_pairs.duckdb

The scratch file (about 30 MB per copy) is deleted at the end.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

CANNOT_LINK = "(coalesce(p.vetoed, false) or p.match_weight < -4.0)"
MERGE = f"coalesce(p.accepted, false) and not {CANNOT_LINK}"
COLUMNS = "rowid as row_id, person_key_l, person_key_r, match_weight, accepted, vetoed"

OLD = {
    "stale scan (hits)": [
        "create or replace temp table hits as select rowid as row_id from pairs "
        "where person_key_l in (select person_key from stale) "
        "union select rowid from pairs where person_key_r in (select person_key from stale)"
    ],
    "clustering join of every pair": [
        "create or replace temp table joined as select l.node, r.node, p.match_weight from pairs as p "
        "join nodes as l on p.person_key_l = l.person_key join nodes as r on p.person_key_r = r.person_key "
        f"where {MERGE} or {CANNOT_LINK}"
    ],
}
NEW = {
    "one scan, stale + affected": [
        "create or replace temp table scan_keys as "
        "select person_key from stale union select person_key from a",
        f"create or replace temp table scan as select {COLUMNS} from pairs "
        "where person_key_l in (select person_key from scan_keys) "
        "or person_key_r in (select person_key from scan_keys)",
        "create or replace temp table hits2 as select row_id from scan "
        "where person_key_l in (select person_key from stale) "
        "or person_key_r in (select person_key from stale)",
    ],
    "saved pairs + their join": [
        "create or replace temp table saved as select person_key_l, person_key_r, match_weight, accepted, "
        "vetoed from scan where person_key_l in (select person_key from a) "
        "and person_key_r in (select person_key from a) "
        "and person_key_l not in (select person_key from stale) "
        "and person_key_r not in (select person_key from stale)",
        "create or replace temp table joined2 as select l.node, r.node, p.match_weight from saved as p "
        "join nodes as l on p.person_key_l = l.person_key join nodes as r on p.person_key_r = r.person_key "
        f"where {MERGE} or {CANNOT_LINK}",
    ],
}


def _best_cpu(con: duckdb.DuckDBPyConnection, sqls: list[str], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for sql in sqls:
            con.execute(sql)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("warehouse", type=Path, help="a day's warehouse.duckdb (read only)")
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--scratch", type=Path, required=True)
    args = ap.parse_args()
    for path in (args.scratch, Path(f"{args.scratch}.wal")):
        path.unlink(missing_ok=True)
    con = duckdb.connect(str(args.scratch))
    try:
        con.execute(f"attach '{args.warehouse}' as w (read_only)")
        copies = f"range({int(args.copies)}) as t(i)"
        con.execute(
            "create table pairs as select person_key_l || '#' || i as person_key_l, "
            "person_key_r || '#' || i as person_key_r, record_key_l, record_key_r, match_weight, "
            f"match_probability, accepted, vetoed from w.intermediate.int_record_matches, {copies} order by i"
        )
        for name, table in (("a", "int_record_matches_cluster_keys"), ("stale", "int_record_matches_dirty")):
            con.execute(
                f"create table {name} as select distinct person_key || '#' || i as person_key "
                f"from w.intermediate.{table}, {copies}"
            )
        con.execute("detach w")
        con.execute("checkpoint")
        con.execute("set threads = 1")
        con.execute(
            "create temp table nodes as "
            "select person_key, row_number() over (order by person_key) as node from a"
        )
        sizes = con.execute(
            "select (select count(*) from pairs), (select count(*) from a), (select count(*) from stale)"
        ).fetchone()
        print(f"pairs {sizes[0]:,}, affected nodes {sizes[1]:,}, stale nodes {sizes[2]:,}")
        totals = {}
        for label, steps in (("old", OLD), ("new", NEW)):
            totals[label] = 0.0
            for step, sqls in steps.items():
                cpu = _best_cpu(con, sqls)
                totals[label] += cpu
                print(f"{label}: {step:32} {cpu:.3f} CPU-s")
        same = con.execute(
            "select (select count(*) from (select row_id from hits except select row_id from hits2)) "
            "+ (select count(*) from (select row_id from hits2 except select row_id from hits))"
        ).fetchone()[0]
        print(f"old {totals['old']:.3f} -> new {totals['new']:.3f} CPU-s; hits differing: {same}")
    finally:
        con.close()
        for path in (args.scratch, Path(f"{args.scratch}.wal")):
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
