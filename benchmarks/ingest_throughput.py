"""Ingestion throughput on generator data: records/s per structured source (parse, Arrow conversion and
DuckDB insert timed apart, then the whole framework path), and seconds per fax page.

uv run python benchmarks/ingest_throughput.py [--leads 4000] [--months 12] [--faxes 3]
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

from orchestration.generator import generate
from orchestration.ingest.framework import ParseContext, ingest_source, list_inbox
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
from orchestration.settings import REPO_ROOT

RESULTS = REPO_ROOT / "benchmarks" / "results"


def _stages(source, inbox: Path, ctx: ParseContext) -> dict[str, float]:
    """Parse, to_arrow and insert times over every file of the source (no ingest log, no hashing)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    for table in source.tables:
        con.execute(table.create_sql())
    parse_s = arrow_s = insert_s = 0.0
    records = 0
    for path in list_inbox(inbox / source.name, source):
        t0 = time.perf_counter()
        parsed = source.parse(path, ctx)
        t1 = time.perf_counter()
        parse_s += t1 - t0
        for table, rows in parsed.rows.items():
            t1 = time.perf_counter()
            arrow_rows = table.to_arrow(rows)  # noqa: F841 - read by DuckDB's replacement scan
            t2 = time.perf_counter()
            con.execute(
                f"INSERT INTO {table.qualified} BY NAME SELECT *, 'b' AS source, 'f' AS source_file, "
                "now()::timestamp AS ingested_at FROM arrow_rows"
            )
            insert_s += time.perf_counter() - t2
            arrow_s += t2 - t1
            records += len(rows)
    con.close()
    return {"records": records, "parse_s": parse_s, "arrow_s": arrow_s, "insert_s": insert_s}


def run(leads: int, months: int, faxes: int) -> dict:
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
        out: dict = {"leads": leads, "months": months, "cpu_count": os.cpu_count(), "sources": {}}
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
            t0 = time.perf_counter()
            report = ingest_source(con, source, inbox, root / "q", ctx)
            total = time.perf_counter() - t0
            if not report.records:
                continue
            entry = {
                "files": report.files_seen,
                "records": report.records,
                "total_s": round(total, 3),
                "records_per_s": round(report.records / total),
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
    args = ap.parse_args()
    result = run(args.leads, args.months, args.faxes)
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"ingest-{date.today().isoformat()}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
