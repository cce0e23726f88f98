"""Ingestion throughput on generator data: records/s per structured source (parse, Arrow conversion and
DuckDB insert timed apart, then the whole framework path, wall and CPU time), and seconds per fax page.

The parse/arrow/insert split is in CPU time (in-process, GC paused as the framework does); the whole path
in wall and CPU time (best of --repeat) with --workers parse processes. CPU time (this process, all its
threads, plus the parse workers') is reported beside wall time because the 2-core machine is shared: wall
time moves with other people's load, CPU time much less. pyarrow's one-off import of pandas (about a
second, on its first array) is paid before timing: it is process start-up, not per record; so is the
workers' start (the pool is started once, before the first source is timed).

Then every measured source again in one ingest_sources call (the next source's files parse while the one
before commits: `overlapped_total`, with `nothing_new`: the same call again on the ingested inbox, a daily
run's fixed cost; the product's path, the one step of `ptleads run` and the Dagster job
that ingests every source; on by default, --no-overlap skips it): overall wall records/s, each source's
share of that wall, the parent's and each worker's busy seconds, how long 0-3 of them were busy at once,
and the busy intervals themselves (ingest_timeline). Per source, `profile` gives the same busy split for
its best lone run.

uv run python benchmarks/ingest_throughput.py [--leads 4000] [--months 12] [--faxes 3] [--repeat 3]
    [--workers 2] [--reuse DIR | --inbox DIR] [--sources hl7v2,fhir] [--whole-only] [--per-row] [--out FILE]
    [--no-overlap]
Writes benchmarks/results/ingest-<date>.json (or --out). Numbers depend on the machine (and its other
load). --per-row maps profile CSVs row by row (the reference path) instead of by column. --inbox reads an
inbox left by an earlier run (e.g. scale_run's 100k one) without writing to it: each source's folder is
copied just before it is measured and deleted after, as are the repeats' warehouses (scratch stays at about
one source); --whole-only skips the in-process parse/arrow/insert split (it parses whole files in memory).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import psutil
import pyarrow as pa

from orchestration.generator import generate
from orchestration.ingest import ingest_timeline, parse_pool
from orchestration.ingest.columnar_records import COLUMNAR_ENV
from orchestration.ingest.framework import ParseContext, ingest_source, ingest_sources, list_inbox
from orchestration.ingest.json_lines_read import gc_paused
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
        with gc_paused():
            parsed = source.parse(path, ctx)
        t1 = time.process_time()
        parse_s += t1 - t0
        for table, rows in parsed.rows.items():
            t1 = time.process_time()
            with gc_paused():
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


def _link_tree(src: Path, dst: Path) -> None:
    """The source's folder as hard links (no copy of the inbox's bytes; ingest only reads and moves files),
    copied only when src is on another file system."""
    try:
        shutil.copytree(src, dst, copy_function=os.link)
    except OSError:
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)


def _warm_up(workers: int) -> None:
    pa.array([0])  # pyarrow imports pandas lazily on its first conversion
    if workers >= 2:  # start the workers (interpreter + imports) before any source is timed
        pool = parse_pool._pool(workers)
        list(pool.map(pa.array, [[0]] * workers))


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of the live parse workers."""
    return sum(cpu_split())


def cpu_split() -> tuple[float, float]:
    """(this process's CPU time, all threads; the live parse workers' CPU time)."""
    own = psutil.Process().cpu_times()
    workers = 0.0
    for pid in parse_pool.pool_children_pids():
        times = psutil.Process(pid).cpu_times()
        workers += times.user + times.system
    return own.user + own.system, workers


def overlap_profile(intervals: list[ingest_timeline.Interval], t0: float, t1: float) -> dict:
    """Busy seconds of the parent (wall minus its waits on parse results) and of each worker, and how long
    0, 1, 2 or 3 of them were busy at once, from an ingest_timeline record of [t0, t1]."""
    parent = os.getpid()
    waits = sorted((i.start, i.end) for i in intervals if i.kind == "wait" and i.pid == parent)
    parses = [(max(t0, i.start), min(t1, i.end)) for i in intervals if i.kind == "parse" and i.pid != parent]
    events = [(t0, 1), (t1, -1)]  # the parent is busy unless it waits
    events += [e for a, b in waits for e in ((a, -1), (b, 1))]
    events += [e for a, b in parses if b > a for e in ((a, 1), (b, -1))]
    events.sort()
    level, at, shares = 0, t0, [0.0, 0.0, 0.0, 0.0]
    for when, step in events:
        shares[min(3, max(0, level))] += max(0.0, when - at)
        level, at = level + step, when
    workers = sorted({i.pid for i in intervals if i.kind == "parse" and i.pid != parent})
    wait_s = ingest_timeline.busy_seconds(intervals, "wait", parent)
    return {
        "wall_s": round(t1 - t0, 3),
        "parent_busy_s": round(t1 - t0 - wait_s, 3),
        "parent_write_s": round(ingest_timeline.busy_seconds(intervals, "write", parent), 3),
        "parent_parse_in_process_s": round(ingest_timeline.busy_seconds(intervals, "parse", parent), 3),
        "workers_busy_s": {
            str(w): round(ingest_timeline.busy_seconds(intervals, "parse", w), 3) for w in workers
        },
        "seconds_with_n_busy": {str(n): round(v, 3) for n, v in enumerate(shares)},
    }


def busy_intervals(intervals: list[ingest_timeline.Interval], t0: float) -> list[list]:
    """The record as [kind, source, process (parent or worker number), start, end] in seconds from t0."""
    parent = os.getpid()
    numbers = {p: n for n, p in enumerate(sorted({i.pid for i in intervals if i.pid != parent}), start=1)}
    return [
        [i.kind, i.label, "parent" if i.pid == parent else f"worker{numbers[i.pid]}",
         round(i.start - t0, 4), round(i.end - t0, 4)]
        for i in sorted(intervals, key=lambda i: i.start)
    ]  # fmt: skip


def overlapped(sources: list, inbox: Path, root: Path, ctx: ParseContext, workers: int, repeat: int) -> dict:
    """Every source in one ingest_sources call (the next source's files parse while the one before
    commits), best of `repeat` fresh warehouses: overall wall and CPU, each source's share of the wall (from
    the end of the source before to its own end) and the busy profile of the best run."""
    best: dict = {}
    walls: list[float] = []
    for attempt in range(repeat):
        path = root / f"overlap{attempt}.duckdb"
        con = duckdb.connect(str(path))
        ingest_timeline.start()
        t0, (p0, w0) = time.monotonic(), cpu_split()
        reports = ingest_sources(con, sources, inbox, root / "q", ctx, workers=workers)
        t1, (p1, w1) = time.monotonic(), cpu_split()
        intervals = ingest_timeline.stop()
        # The same inbox again: nothing new, every file recognised unread (a daily run's fixed cost).
        again_t0, again_c0 = time.monotonic(), sum(cpu_split())
        again = ingest_sources(con, sources, inbox, root / "q", ctx, workers=workers)
        nothing_new = {
            "files": sum(r.files_seen for r in again),
            "read_again": sum(r.files_seen - r.files_skipped for r in again),
            "wall_s": round(time.monotonic() - again_t0, 4),
            "cpu_s": round(sum(cpu_split()) - again_c0, 4),
        }
        con.close()
        for stale in root.glob(f"overlap{attempt}.duckdb*"):
            stale.unlink()
        walls.append(t1 - t0)
        if best and t1 - t0 >= best["total_s"]:
            continue
        spans, before = {}, t0
        for report, end in zip(reports, _source_ends(intervals, reports, t1), strict=True):
            spans[report.source] = {
                "records": report.records,
                "span_s": round(end - before, 3),
                "records_per_s": round(report.records / (end - before)) if end > before else None,
            }
            before = end
        records = sum(r.records for r in reports)
        best = {
            "records": records,
            "total_s": round(t1 - t0, 3),
            "records_per_s": round(records / (t1 - t0)),
            "cpu_s": round(p1 - p0 + w1 - w0, 3),
            "parent_cpu_s": round(p1 - p0, 3),
            "workers_cpu_s": round(w1 - w0, 3),
            "records_per_cpu_s": round(records / (p1 - p0 + w1 - w0)),
            # On 2 free cores the wall cannot be below either: the parent's CPU, or all CPU over 2 cores.
            "critical_path_lower_bound_s": round(max(p1 - p0, (p1 - p0 + w1 - w0) / 2), 3),
            "sources": spans,
            "nothing_new": nothing_new,
            "profile": overlap_profile(intervals, t0, t1),
            "intervals": busy_intervals(intervals, t0),
        }
    return {**best, **run_spread(best["records"], walls)}


def run_spread(records: int, walls: list[float]) -> dict:
    """Every repeat's wall, and records/s of the first and the median run beside the best: later repeats
    reuse the parse workers' warm memos and caches, so the first pass is what a fresh daily run sees."""
    return {
        "runs_s": [round(w, 4) for w in walls],
        "first_records_per_s": round(records / walls[0]),
        "median_records_per_s": round(records / statistics.median(walls)),
    }


def _source_ends(intervals: list[ingest_timeline.Interval], reports: list, t1: float) -> list[float]:
    """When each source's last write ended (its last COMMIT), in report order."""
    last: dict[str, float] = {}
    for i in intervals:
        if i.kind == "write" and i.pid == os.getpid():
            last[i.label] = max(last.get(i.label, 0.0), i.end)
    ends, at = [], 0.0
    for report in reports:
        at = max(at, last.get(report.source, at))
        ends.append(at)
    ends[-1] = t1
    return ends


def run(
    leads: int,
    months: int,
    faxes: int,
    repeat: int = 3,
    workers: int = 2,
    reuse: Path | None = None,
    only: set[str] | None = None,
    inbox_dir: Path | None = None,
    config_dir: Path | None = None,
    whole_only: bool = False,
    overlap: bool = True,
) -> dict:
    """reuse: a folder `ptleads generate` already wrote with these settings (skips generating again);
    only: the names of the sources to measure (None: every source); inbox_dir: a read-only inbox to
    measure instead (config_dir: its config folder, default the repository's)."""
    _warm_up(workers)
    with tempfile.TemporaryDirectory(dir=os.environ.get("PTLEADS_BENCH_TMP")) as tmp:
        root = Path(tmp)
        gen = reuse or root / "gen"
        if inbox_dir is not None:
            (gen / "inbox").mkdir(parents=True)
            shutil.copytree(config_dir or REPO_ROOT / "config", gen / "config")
        elif reuse is None:
            generate(
                out_dir=gen,
                seed=11,
                n_leads=leads,
                months=months,
                n_clinics=3,
                end=date(2025, 12, 31),
                max_faxes=faxes,
                base_config=REPO_ROOT / "config",
                progress=lambda _msg: None,
            )
        else:  # ingesting moves bad files to quarantine: work on a copy so the folder can be reused
            shutil.copytree(reuse, root / "gen")
            gen = root / "gen"
        config = gen / "config"
        ctx = ParseContext(config, load_profiles(config), warehouse_dir=root)
        inbox = gen / "inbox"
        out: dict = {
            "leads": leads,
            "months": months,
            "cpu_count": os.cpu_count(),
            "repeat": repeat,
            "workers": workers,
            "sources": {},
        }
        con = duckdb.connect(str(root / "w.duckdb"))
        for source in SOURCES:
            if only is not None and source.name not in only:
                continue
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
            if inbox_dir is not None:
                if not (inbox_dir / source.name).is_dir():
                    continue
                _link_tree(inbox_dir / source.name, inbox / source.name)
            measured = source.name != "outcomes" and not whole_only
            stages = _stages(source, inbox, ctx) if measured else None
            # Best of `repeat` runs, each into a fresh warehouse file; the kept one lands in w.duckdb.
            total = cpu = float("inf")
            parent_cpu = workers_cpu = 0.0
            profile: dict = {}
            walls: list[float] = []
            for attempt in range(repeat):
                target = con if attempt == repeat - 1 else duckdb.connect(str(root / f"r{attempt}.duckdb"))
                ingest_timeline.start()
                t0, (p0, w0) = time.monotonic(), cpu_split()
                report = ingest_source(target, source, inbox, root / "q", ctx, workers=workers)
                t1 = time.monotonic()
                intervals = ingest_timeline.stop()
                walls.append(t1 - t0)
                if t1 - t0 < total:
                    total, profile = t1 - t0, overlap_profile(intervals, t0, t1)
                    profile["intervals"] = busy_intervals(intervals, t0)  # where a lone source's wall goes
                p1, w1 = cpu_split()
                if p1 - p0 + w1 - w0 < cpu:
                    cpu, parent_cpu, workers_cpu = p1 - p0 + w1 - w0, p1 - p0, w1 - w0
                if target is not con:
                    target.close()
                    for stale in root.glob(f"r{attempt}.duckdb*"):
                        stale.unlink()
            if inbox_dir is not None:
                shutil.rmtree(inbox / source.name)
            if not report.records:
                continue
            entry = {
                "files": report.files_seen,
                "records": report.records,
                "total_s": round(total, 3),
                "records_per_s": round(report.records / total),
                **run_spread(report.records, walls),
                "cpu_s": round(cpu, 3),
                "records_per_cpu_s": round(report.records / cpu) if cpu else None,
                "parent_cpu_s": round(parent_cpu, 3),
                "workers_cpu_s": round(workers_cpu, 3),
                "profile": profile,
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
        chosen = [s for s in SOURCES if s.name in out["sources"] and s.name != "fax"]
        if chosen and overlap:
            if inbox_dir is not None:  # every source's folder at once this time
                for source in chosen:
                    _link_tree(inbox_dir / source.name, inbox / source.name)
            out["overlapped_total"] = overlapped(chosen, inbox, root, ctx, workers, repeat)
    entries = out["sources"].values()
    records = sum(e["records"] for e in entries)
    wall, cpu = sum(e["total_s"] for e in entries), sum(e["cpu_s"] for e in entries)
    out["structured_total"] = {
        "records": records,
        "total_s": round(wall, 3),
        "records_per_s": round(records / wall) if wall else None,
        "cpu_s": round(cpu, 3),
        "records_per_cpu_s": round(records / cpu) if cpu else None,
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--leads", type=int, default=4000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--faxes", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="whole-ingest runs per source; the best is kept")
    ap.add_argument("--workers", type=int, default=2, help="parse processes (0: in-process)")
    ap.add_argument("--reuse", type=Path, help="folder already written by `ptleads generate` (seed 11)")
    ap.add_argument("--inbox", type=Path, help="read-only inbox to measure (e.g. scale_run's 100k one)")
    ap.add_argument("--config", type=Path, help="config folder of --inbox (default: the repository's)")
    ap.add_argument("--whole-only", action="store_true", help="whole path only (no in-process split)")
    ap.add_argument(
        "--no-overlap", action="store_true", help="skip the run of every source in one ingest_sources call"
    )
    ap.add_argument("--sources", help="comma-separated source names to measure (default: every source)")
    ap.add_argument("--label", default="", help="suffix of the results file name, e.g. baseline")
    ap.add_argument("--out", type=Path, help="results file (default benchmarks/results/ingest-<date>.json)")
    ap.add_argument(
        "--per-row", action="store_true", help="map profile CSVs row by row, not by column (before/after)"
    )
    args = ap.parse_args()
    if args.per_row:  # set before the parse workers start: they inherit it
        os.environ[COLUMNAR_ENV] = "0"
    load_before = round(os.getloadavg()[0], 2)
    only = set(args.sources.split(",")) if args.sources else None
    result = run(
        args.leads,
        args.months,
        args.faxes,
        args.repeat,
        args.workers,
        args.reuse,
        only,
        inbox_dir=args.inbox,
        config_dir=args.config,
        whole_only=args.whole_only,
        overlap=not args.no_overlap,
    )
    if args.inbox is not None:
        result["inbox"] = str(args.inbox)
    result["load_average_1m_before"] = load_before
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    result["csv_mapping"] = "per-row" if os.environ.get(COLUMNAR_ENV) == "0" else "columnar"
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    target = args.out or RESULTS / f"ingest-{date.today().isoformat()}{suffix}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print("\n".join(summary_lines(result)))
    print(f"written to {target}")


def summary_lines(result: dict) -> list[str]:
    """Wall records/s per source and overall (the issue's measure), with CPU beside them."""
    lines = [f"load {result['load_average_1m_before']} -> {result['load_average_1m']}"]
    for name, e in result["sources"].items():
        lines.append(
            f"{name:12} {e['records']:>8} records  {e['records_per_s']:>7} records/s wall "
            f"(first {e['first_records_per_s']}, median {e['median_records_per_s']})  "
            f"{e['records_per_cpu_s']} records/CPU-s "
            f"(parent {e['parent_cpu_s']} s, workers {e['workers_cpu_s']} s)"
        )
    total = result["structured_total"]
    lines.append(
        f"sources one at a time (sum of the lone runs): {total['records']} records, "
        f"{total['records_per_s']} records/s wall, {total['records_per_cpu_s']} records/CPU-s"
    )
    if over := result.get("overlapped_total"):
        lines.append(
            f"overall, sources overlapped (the product's path): {over['records']} records in "
            f"{over['total_s']} s = "
            f"{over['records_per_s']} records/s wall (first {over['first_records_per_s']}, median "
            f"{over['median_records_per_s']}), {over['records_per_cpu_s']} records/CPU-s; "
            f"busy s by processes at once {over['profile']['seconds_with_n_busy']}"
        )
        for name, e in over["sources"].items():
            lines.append(
                f"  {name:12} {e['records']:>8} records in {e['span_s']} s: {e['records_per_s']} records/s"
            )
    if fax := result.get("fax"):
        lines.append(f"fax: {fax}")
    return lines


if __name__ == "__main__":
    main()
