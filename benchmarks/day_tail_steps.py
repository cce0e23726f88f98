"""Time (and dump the outputs of) the day's steps after dbt on a warehouse that has run the day: scoring,
the 270 outbox, the next-actions assets (SLA, waitlist, next actions, call list) and publish, each as the
pipeline calls it.

    uv run python benchmarks/day_tail_steps.py --work /tmp/hXX_scale/100000 \
        --as-of 2026-07-01T05:00:00+00:00 --steps score,actions,publish \
        --prev-snapshot /tmp/hXX_prev_snapshot.duckdb --dump /tmp/hXX_out/before

Rerunning a step on the same warehouse and as-of is what the pipeline's own retry does (scores replace the
as-of's rows, the action marts are replaced, the token log appends nothing new). Publish starts each time
from a copy of `--prev-snapshot` (the day before's snapshot), so it patches the same rows every run.
`--dump DIR` writes every output table as Parquet (sorted rows) to compare two code versions.
The outbox step first deletes what the as-of's file recorded in raw.eligibility_inquiries_sent (the day's
run wrote it), so every repeat asks the same leads again; it writes the 270 under the warehouse folder's
outbox/ (the pipeline's place) and `--dump` copies it. `--repeat N` runs the steps N times in turn.
`tail` runs the outbox and the action assets as one Dagster run (`materialize`, as the pipeline does, so
resources live for the whole run, unlike the other steps' direct calls): its note is each step's progress
line, seconds since the run started.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb

from orchestration.settings import Settings, parse_as_of

OUTPUTS = {
    "score": ["marts.lead_scores", "marts.ml_drift", "marts.no_show_risk"],
    "actions": [
        "marts.sla_metrics",
        "marts.waitlist_offers",
        "marts.next_actions",
        "marts.insurance_tasks",
        "marts.call_list",
    ],
}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _settings(work: Path, as_of: str) -> Settings:
    wh = work / "wh"
    return Settings().with_overrides(
        inbox=work / "inbox",
        warehouse=wh / "warehouse.duckdb",
        config_dir=work / "gen" / "config",
        data_dir=wh,
        as_of=parse_as_of(as_of),
    )


def _score(s: Settings) -> str:
    from ml.score import score_open_leads

    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        return f"{score_open_leads(con, s)} scored"
    finally:
        con.close()


def _actions(s: Settings) -> str:
    from orchestration.actions.assets import ACTION_ASSETS
    from orchestration.resources import PtleadsSettings, WarehouseResource

    resources = {
        "settings": PtleadsSettings.from_settings(s),
        "warehouse": WarehouseResource(path=str(s.warehouse)),
    }
    done = []
    for asset_def in ACTION_ASSETS:
        started, cpu = time.perf_counter(), _cpu()
        asset_def(**resources)
        done.append(f"{asset_def.key.path[-1]} {time.perf_counter() - started:.2f}/{_cpu() - cpu:.2f}")
    return ", ".join(done)


def _forget_sent(s: Settings) -> None:
    """This as-of's rows of the sent log deleted, so every repeat asks the same leads again."""
    from orchestration.ingest.outbox_270 import outbox_file_name

    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        name = outbox_file_name(s.as_of.replace(tzinfo=None))
        con.execute("delete from raw.eligibility_inquiries_sent where file_name = ?", [name])
    finally:
        con.close()


def _outbox(s: Settings) -> str:
    from orchestration.ingest.assets import outbox_270
    from orchestration.resources import PtleadsSettings, WarehouseResource

    _forget_sent(s)
    result = outbox_270(
        settings=PtleadsSettings.from_settings(s), warehouse=WarehouseResource(path=str(s.warehouse))
    )
    return f"{result.metadata['inquiries']} inquiries"


def _tail(s: Settings) -> str:
    """The outbox and the action assets as one Dagster run in this process, as `ptleads run` materializes
    them (resources set up once, torn down after the last step: the steps hand the connection along)."""
    from dagster import DagsterInstance, materialize

    from orchestration.actions.assets import ACTION_ASSETS
    from orchestration.ingest.assets import outbox_270
    from orchestration.resources import PtleadsSettings, WarehouseResource, set_progress_hook

    _forget_sent(s)
    started = time.perf_counter()
    lines: list[str] = []
    set_progress_hook(lambda m: lines.append(f"{time.perf_counter() - started:.2f} {m.split(':')[0]}"))
    try:
        result = materialize(
            [outbox_270, *ACTION_ASSETS],
            resources={
                "settings": PtleadsSettings.from_settings(s),
                "warehouse": WarehouseResource(path=str(s.warehouse)),
            },
            instance=DagsterInstance.ephemeral(),
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )
    finally:
        set_progress_hook(None)
    if not result.success:
        raise SystemExit("tail run failed")
    return ", ".join(lines)


def _publish(s: Settings, previous: Path | None) -> str:
    from orchestration.serving.publish import publish

    if previous is not None:
        s.snapshot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(previous, s.snapshot)
    con = duckdb.connect(str(s.warehouse), config=s.duckdb_config())
    try:
        os.sync()
        return publish(con, s.snapshot, s.as_of).summary()
    finally:
        con.close()


def _dump(s: Settings, step: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if step == "tail":
        _dump(s, "outbox", out)
        _dump(s, "actions", out)
        return
    if step == "outbox":
        for path in (s.outbox / "eligibility").glob("270_*.x12"):
            shutil.copyfile(path, out / path.name)
        tables = ["raw.eligibility_inquiries_sent"]
        con = duckdb.connect(str(s.warehouse), read_only=True)
    elif step == "publish":
        tables = None
        con = duckdb.connect(str(s.snapshot), read_only=True)
    else:
        tables = OUTPUTS.get(step, [])
        con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        if tables is None:
            tables = [
                f"{a}.{b}"
                for a, b in con.execute(
                    "select schema_name, table_name from duckdb_tables() "
                    "where schema_name <> 'ptleads_publish'"
                ).fetchall()
            ]
        for table in tables:
            cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
            # the sent log's ingested_at is the insert's now(): not an output to compare
            order = ", ".join(f'"{c}"' for c in cols if not (step == "outbox" and c == "ingested_at"))
            # publish: a table's rows as a multiset (physical order may differ: see snapshot_sync)
            target = out / (table + ".parquet")
            con.execute(f"copy (select {order} from {table} order by {order}) to '{target}'")
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--steps", default="score,actions,publish")
    ap.add_argument("--prev-snapshot", type=Path)
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--repeat", type=int, default=1, help="run the steps this many times in turn")
    args = ap.parse_args()
    s = _settings(args.work, args.as_of)
    out: dict[str, object] = {"load_start": [round(v, 2) for v in os.getloadavg()]}
    steps = args.steps.split(",")
    for run, step in enumerate(steps * args.repeat):
        started, cpu = time.perf_counter(), _cpu()
        if step == "score":
            note = _score(s)
        elif step == "outbox":
            note = _outbox(s)
        elif step == "tail":
            note = _tail(s)
        elif step == "actions":
            note = _actions(s)
        elif step == "publish":
            note = _publish(s, args.prev_snapshot)
        else:
            raise SystemExit(f"unknown step {step}")
        out[step if args.repeat == 1 else f"{step}.{run // len(steps) + 1}"] = {
            "wall_s": round(time.perf_counter() - started, 2),
            "cpu_s": round(_cpu() - cpu, 2),
            "note": note,
        }
        if args.dump and run < len(steps):
            _dump(s, step, args.dump)
    out["load_end"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
