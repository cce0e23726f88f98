"""Ingestion throughput on generator data: records/s per structured source (parse, Arrow conversion and
DuckDB insert timed apart, then the whole framework path, wall and CPU time), and seconds per fax page.

The parse/arrow/insert split is in CPU time; the whole path in wall and CPU time (best of --repeat).
CPU time (this process, all its threads) is reported beside wall time because the 2-core machine is
shared: wall time moves with other people's load, CPU time much less. pyarrow's one-off import of pandas
(about a second, on its first array) is paid before timing: it is process start-up, not per record.

uv run python benchmarks/ingest_throughput.py [--leads 4000] [--months 12] [--faxes 3] [--repeat 3]
Writes benchmarks/results/ingest-<date>.json. Numbers depend on the machine (and on its other load).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.generator import generate
from orchestration.ingest.framework import ParseContext, ingest_source, list_inbox
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
from orchestration.settings import REPO_ROOT

RESULTS = REPO_ROOT / "benchmarks" / "results"


def _stages(source, inbox: Path, ctx: ParseContext) -> dict[str, float]:
    """Parse, to_arrow and insert CPU times over every file of the source (no ingest log, no hashing)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    for table in source.tables:
        con.execute(table.create_sql())
    parse_s = arrow_s = insert_s = 0.0
    records = 0
    for path in list_inbox(inbox / source.name, source):
        t0 = time.process_time()
        parsed = source.parse(path, ctx)
        t1 = time.process_time()
        parse_s += t1 - t0
        for table, rows in parsed.rows.items():
            t1 = time.process_time()
            arrow_rows = table.to_arrow(rows)  # noqa: F841 - read by DuckDB's replacement scan
            t2 = time.process_time()
            con.execute(
                f"INSERT INTO {table.qualified} BY NAME SELECT *, 'b' AS source, 'f' AS source_file, "
                "now()::timestamp AS ingested_at FROM arrow_rows"
            )
            insert_s += time.process_time() - t2
            arrow_s += t2 - t1
            records += len(rows)
    con.close()
    return {"records": records, "parse_s": parse_s, "arrow_s": arrow_s, "insert_s": insert_s}


def _warm_up() -> None:
    pa.array([0])  # pyarrow imports pandas lazily on its first conversion


def run(leads: int, months: int, faxes: int, repeat: int = 3) -> dict:
    _warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(
            out_dir=root / "gen",
            seed=11,
            n_leads=leads,
            months=months,
            n_clinics=3,
            end=date(2025, 12, 31),
            max_faxes=faxes,
            base_config=REPO_ROOT / "config",
            progress=lambda _msg: None,
        )
        config = root / "gen" / "config"
        ctx = ParseContext(config, load_profiles(config), warehouse_dir=root)
        inbox = root / "gen" / "inbox"
        out: dict = {
            "leads": leads,
            "months": months,
            "cpu_count": os.cpu_count(),
            "repeat": repeat,
            "sources": {},
        }
        con = duckdb.connect(str(root / "w.duckdb"))
        for source in SOURCES:
            if source.name == "fax":
                t0 = time.perf_counter()
                report = ingest_source(con, source, inbox, root / "q", ctx)
                seconds = time.perf_counter() - t0
                pages = con.execute("SELECT coalesce(sum(pages), 0) FROM raw.fax_extractions").fetchone()[0]
                ocr = con.execute("SELECT coalesce(sum(ocr_seconds), 0) FROM raw.fax_extractions").fetchone()[
                    0
                ]
                out["fax"] = {
                    "faxes": report.records and report.files_ok + report.files_partial,
                    "pages": pages,
                    "seconds_per_page": round(seconds / pages, 3) if pages else None,
                    "ocr_seconds_per_page": round(ocr / pages, 3) if pages else None,
                }
                continue
            stages = _stages(source, inbox, ctx) if source.name != "outcomes" else None
            # Best of `repeat` runs, each into a fresh warehouse file; the kept one lands in w.duckdb.
            total = cpu = float("inf")
            for attempt in range(repeat):
                target = con if attempt == repeat - 1 else duckdb.connect(str(root / f"r{attempt}.duckdb"))
                t0, c0 = time.perf_counter(), time.process_time()
                report = ingest_source(target, source, inbox, root / "q", ctx)
                total = min(total, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
                if target is not con:
                    target.close()
            if not report.records:
                continue
            entry = {
                "files": report.files_seen,
                "records": report.records,
                "total_s": round(total, 3),
                "records_per_s": round(report.records / total),
                "cpu_s": round(cpu, 3),
                "records_per_cpu_s": round(report.records / cpu) if cpu else None,
            }
            if stages:
                n = stages["records"]
                entry.update(
                    {
                        f"{k}_records_per_s": round(n / stages[f"{k}_s"]) if stages[f"{k}_s"] else None
                        for k in ("parse", "arrow", "insert")
                    }
                )
            out["sources"][source.name] = entry
        con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--leads", type=int, default=4000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--faxes", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="whole-ingest runs per source; the best is kept")
    ap.add_argument("--label", default="", help="suffix of the results file name, e.g. baseline")
    args = ap.parse_args()
    result = run(args.leads, args.months, args.faxes, args.repeat)
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    target = RESULTS / f"ingest-{date.today().isoformat()}{suffix}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
