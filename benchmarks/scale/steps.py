"""Each benchmarked step as a function of a JSON-able parameter dict, run in its own child process
(`python -m scale.steps <step> <params.json> <result.json>`) so its peak RSS is its own.

Every step calls the pipeline's public functions (generator, ingest framework, run_dbt, ml.train,
ml.score, the next-actions assets, publish, app queries, run_pipeline); nothing is re-implemented."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from orchestration.settings import REPO_ROOT, Settings, parse_as_of

Params = dict[str, object]


def _settings(p: Params, as_of_key: str = "as_of") -> Settings:
    return Settings().with_overrides(
        inbox=p["inbox"],
        warehouse=p["warehouse"],
        config_dir=p["config_dir"],
        data_dir=Path(str(p["warehouse"])).parent,
        as_of=parse_as_of(str(p[as_of_key])),
    )


def step_generate(p: Params) -> dict[str, object]:
    from orchestration.generator import generate
    from scale.day_split import split_last_day

    out = Path(str(p["gen_dir"]))
    started = time.perf_counter()
    summary = generate(
        out_dir=out,
        seed=int(p["seed"]),
        n_leads=int(p["leads"]),
        months=int(p["months"]),
        n_clinics=3,
        end=date.fromisoformat(str(p["end"])),
        max_faxes=int(p["max_faxes"]),
        base_config=REPO_ROOT / "config",
        progress=lambda _m: None,
    )
    generate_s = time.perf_counter() - started
    split = split_last_day(
        out / "inbox", Path(str(p["inbox"])), Path(str(p["day_inbox"])), date.fromisoformat(str(p["day"]))
    )
    return {
        "generate_s": round(generate_s, 2),
        "split_s": round(time.perf_counter() - started - generate_s, 2),
        "summary": summary.splitlines()[-1] if summary else "",
        "day_files": split.files_day,
        "day_records": split.records_day,
        "history_files": split.files_history,
    }


def step_floor(p: Params) -> dict[str, object]:
    from scale.floor import read_inbox

    return read_inbox(Path(str(p["inbox"])), Path(str(p["floor_db"])))


def _cpu_with_workers() -> float:
    """CPU seconds of this process and its live children: ingest parses in a long-lived process pool,
    whose workers are reaped only at exit (so neither process_time nor RUSAGE_CHILDREN sees them yet)."""
    import psutil

    me = psutil.Process()
    total = time.process_time()
    for child in me.children(recursive=True):
        try:
            times = child.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def step_ingest(p: Params) -> dict[str, object]:
    """The product's ingest path: every source in one ingest_sources call (the next source's files parse
    while the one before commits, as `ptleads run` and the Dagster job do). Per source, `seconds` and
    `cpu_seconds` are its span, from the commit of the source before (or the start) to its own last
    commit: the spans overlap the sources' work (part of a source's parsing falls in the span of the one
    before), so they add up to the total but are not a source's cost alone. `total` is the measure."""
    import duckdb

    from orchestration.ingest.framework import ParseContext, SourceReport, ingest_sources
    from orchestration.ingest.profiles import load_profiles
    from orchestration.ingest.sources import SOURCES
    from orchestration.practice_config import load_practice_config
    from orchestration.transform.reference_data import load_reference_data

    s = _settings(p)
    s.warehouse.parent.mkdir(parents=True, exist_ok=True)
    ctx = ParseContext(s.config_dir, load_profiles(s.config_dir), warehouse_dir=s.warehouse.parent)
    sources: dict[str, dict[str, object]] = {}
    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        started = last = (time.perf_counter(), _cpu_with_workers())

        def finished(report: SourceReport) -> None:
            nonlocal last
            now = (time.perf_counter(), _cpu_with_workers())
            wall, cpu = now[0] - last[0], now[1] - last[1]
            last = now
            sources[report.source] = {
                "files": report.files_seen,
                "records": report.records,
                "quarantined": report.files_quarantined,
                "seconds": round(wall, 3),
                "cpu_seconds": round(cpu, 3),
                "records_per_s": round(report.records / wall) if wall else None,
                "records_per_cpu_s": round(report.records / cpu) if cpu else None,
            }

        ingest_sources(con, SOURCES, s.inbox, s.quarantine, ctx, finished=finished)
        wall, cpu = last[0] - started[0], last[1] - started[1]
        ref_started = time.perf_counter()
        load_reference_data(con, load_practice_config(s.config_dir))
        ref_s = time.perf_counter() - ref_started
    finally:
        con.close()
    records = sum(int(v["records"]) for v in sources.values())
    return {
        "records": records,
        "sources": sources,
        "sources_measure": "overlapped spans (commit to commit), see step_ingest",
        "total": {
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "records_per_s": round(records / wall) if wall else None,
            "records_per_cpu_s": round(records / cpu) if cpu else None,
        },
        "reference_s": round(ref_s, 3),
    }


def _dbt(p: Params, *, full_refresh: bool, select: str | None) -> dict[str, object]:
    from orchestration.transform.dbt_invoke import run_dbt

    s = _settings(p)
    target = Path(str(p["dbt_target"]))
    nodes = run_dbt(s, "build", target, full_refresh=full_refresh, select=select)
    return {"nodes_passed": nodes, "slowest_nodes": _slowest_nodes(target / "run_results.json")}


def _slowest_nodes(run_results: Path, top: int = 25) -> list[list[object]]:
    """[node, dbt execution s] of the slowest nodes: the next step's dbt run overwrites run_results.json."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:top]
    return [[r["unique_id"].split(".", 2)[-1], round(r["execution_time"], 2)] for r in ranked]


def step_dbt_full(p: Params) -> dict[str, object]:
    """The first build as the product's first run does it: a plain build on a warehouse that holds only the
    raw and reference tables (every incremental model then builds whole). `--full-refresh` only when dbt's
    intermediate tables are already there (a step resumed after a crash), so it still measures a whole
    build. The flag's var also changes dbt's parse state: the scored step would parse the project again."""
    return _dbt(p, full_refresh=_holds_dbt_models(Path(str(p["warehouse"]))), select=None)


def _holds_dbt_models(warehouse: Path) -> bool:
    import duckdb

    if not warehouse.is_file():
        return False
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'intermediate'"
        ).fetchone()
    finally:
        con.close()
    return bool(found and found[0])


def step_dbt_scored(p: Params) -> dict[str, object]:
    return _dbt(p, full_refresh=False, select="tag:scored")


def step_train(p: Params) -> dict[str, object]:
    import duckdb

    from ml.train import train

    s = _settings(p)
    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        report = train(con, s, force=True)
    finally:
        con.close()
    return {"version": report.version, "family": report.family, "skipped": report.skipped}


def step_score(p: Params) -> dict[str, object]:
    import duckdb

    from ml.score import score_open_leads

    s = _settings(p)
    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        return {"scored": score_open_leads(con, s)}
    finally:
        con.close()


def step_actions(p: Params) -> dict[str, object]:
    """Every next-actions asset in its declared order, invoked directly (no Dagster run around it)."""
    from orchestration.actions.assets import ACTION_ASSETS
    from orchestration.resources import PtleadsSettings, WarehouseResource

    s = _settings(p)
    resources = {
        "settings": PtleadsSettings.from_settings(s),
        "warehouse": WarehouseResource(path=str(s.warehouse)),
    }
    out: dict[str, object] = {}
    for asset_def in ACTION_ASSETS:
        done = asset_def(**resources)
        metadata = {k: getattr(v, "value", v) for k, v in (done.metadata or {}).items()}
        out[asset_def.key.path[-1]] = {k: v for k, v in metadata.items() if isinstance(v, int | float)}
    return out


def step_publish(p: Params) -> dict[str, object]:
    import duckdb

    from orchestration.serving.publish import publish_snapshot

    s = _settings(p)
    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        counts = publish_snapshot(con, s.snapshot, s.as_of)
    finally:
        con.close()
    return {"fct_leads": counts.get("marts.fct_leads", 0)}


def step_app_queries(p: Params) -> dict[str, object]:
    from scale.app_queries import time_queries

    return time_queries(_settings(p), repeat=int(p.get("repeat", 3)))


def _pipeline_run(p: Params, as_of_key: str, day_inbox: Path | None) -> dict[str, object]:
    """`run_pipeline` (what the CLI and the daily schedule run) as of p[as_of_key], after landing the
    files of day_inbox if given; seconds, the call list and the per-asset timeline."""
    import duckdb

    from orchestration.pipeline import run_pipeline
    from scale.day_split import land_files

    s = _settings(p, as_of_key)
    started = time.perf_counter()
    landed = land_files(day_inbox, s.inbox) if day_inbox is not None else 0
    stages: list[tuple[float, str]] = []
    run_pipeline(s, lambda m: stages.append((round(time.perf_counter() - started, 2), m.split("] ", 1)[-1])))
    seconds = time.perf_counter() - started
    con = duckdb.connect(str(s.snapshot), read_only=True)
    try:
        calls = con.execute("SELECT count(*) FROM marts.call_list").fetchone()[0]
        leads = con.execute("SELECT count(*) FROM marts.fct_leads").fetchone()[0]
    finally:
        con.close()
    # Progress lines carry counts and file names only (no PHI); keep the per-asset timeline.
    return {
        "files_landed": landed,
        "seconds": round(seconds, 2),
        "call_list": calls,
        "fct_leads": leads,
        "timeline": [f"{t:7.2f}s {m}" for t, m in stages],
    }


def step_first_run(p: Params) -> dict[str, object]:
    """The product's own first run, `run_pipeline` on a new warehouse over the history inbox, in one
    process: ingest (its child started ahead), dbt phase 1 (every model whole), the first model's
    training, scoring, phase 2, next actions and publish. The steps above measure the same work one child
    each (each with its own interpreter, imports and dbt parse); this is what a practice waits for. Its
    warehouse folder is removed afterwards (at 1M leads ~20 GB beside the per-step one)."""
    import shutil

    folder = Path(str(p["first_run_warehouse"])).parent
    shutil.rmtree(folder, ignore_errors=True)  # a resumed step starts from nothing again
    try:
        out = _pipeline_run({**p, "warehouse": p["first_run_warehouse"]}, "as_of", None)
        out["warehouse_mb"] = round(Path(str(p["first_run_warehouse"])).stat().st_size / 2**20)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def step_previous_day(p: Params) -> dict[str, object]:
    """Yesterday's morning run, nothing new landed: a practice's day follows the run of the day before,
    which left dbt's partial-parse state and the unit-test stamp in the pipeline's own dbt target folders
    (the full build above used another). Without it the measured day pays a first run's full dbt parse
    in both phases and the unit tests."""
    return _pipeline_run(p, "as_of", None)


def step_incremental(p: Params) -> dict[str, object]:
    """File landing -> updated call list: copy the day's files in, run the whole pipeline as of the
    next morning (the same `run_pipeline` the CLI and the daily schedule use)."""
    return _pipeline_run(p, "next_as_of", Path(str(p["day_inbox"])))


def step_spark(p: Params) -> dict[str, object]:
    """The growth path: the same dbt project on the Spark target from this warehouse's sources; row
    counts of every model Spark built beside DuckDB's. A model Spark cannot build is recorded, not raised."""
    from scale.spark_build import build_on_spark

    s = _settings(p)
    build = build_on_spark(
        s.warehouse,
        Path(str(p["warehouse"])).parent.parent / "spark",
        str(p["as_of"])[:19].replace("T", " "),
        s.config_dir,
        select=str(p.get("spark_select", "+fct_leads")),
    )
    return build.as_json()


STEPS: dict[str, Callable[[Params], dict[str, object]]] = {
    "generate": step_generate,
    "floor": step_floor,
    "ingest": step_ingest,
    "dbt_full": step_dbt_full,
    "train": step_train,
    "score": step_score,
    "dbt_scored": step_dbt_scored,
    "actions": step_actions,
    "publish": step_publish,
    "app_queries": step_app_queries,
    "first_run": step_first_run,
    "previous_day": step_previous_day,
    "incremental": step_incremental,
    "spark": step_spark,
}


def main(argv: list[str]) -> None:
    name, params_path, result_path = argv
    params = json.loads(Path(params_path).read_text(encoding="utf-8"))
    result = STEPS[name](params)
    result["_finished_at"] = datetime.now().isoformat(timespec="seconds")
    Path(result_path).write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
