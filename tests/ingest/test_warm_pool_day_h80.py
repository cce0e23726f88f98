"""A day's few small files with the parse workers already running (a run starts them while its definitions
load): they parse in the workers, not in the parent, with the rows in-process parsing gives; the workers
never import pandas; the ingest-log and file-stat rows the parent writes itself are those it wrote before."""

from __future__ import annotations

import multiprocessing
import shutil
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import parse_pool
from orchestration.ingest.file_stats import record_files
from orchestration.ingest.framework import ParseContext, ensure_raw_schema, ingest_sources
from orchestration.ingest.ingest_commits import insert_log_rows
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
from tests.ingest.conftest import raw_rows

pytestmark = pytest.mark.slow
STRUCTURED = [s for s in SOURCES if s.parallel and s.name != "fax"]  # no OCR here


def parse_and_report_pandas(path: str, config_dir: str) -> tuple[int, bool]:
    """Run in a worker: parse a FHIR file to Arrow (pyarrow converts Python values), then say whether pandas
    is imported in this process."""
    from orchestration.ingest.fhir import FHIR

    parsed = parse_pool.parse_to_tables(FHIR.parse, Path(path), ParseContext(Path(config_dir)))
    assert not isinstance(parsed, str), parsed
    return parsed.records, "pandas" in sys.modules


def _snapshot(warehouse: Path) -> dict[str, list]:
    out = raw_rows(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out["file_stats"] = con.execute("SELECT * FROM ingest_cache.file_stats ORDER BY ALL").fetchall()
    return out


def _run(inbox: Path, root: Path, ctx: ParseContext, workers: int) -> list:
    with duckdb.connect(str(root / "w.duckdb")) as con:
        return ingest_sources(con, STRUCTURED, inbox, root / "quarantine", ctx, workers=workers)


def test_a_warm_pool_parses_the_days_small_files_with_the_same_rows(ingested, tmp_path, monkeypatch) -> None:
    gen, _ = ingested
    ctx = ParseContext(gen / "config", load_profiles(gen / "config"), warehouse_dir=tmp_path)
    history = tmp_path / "history"
    shutil.copytree(gen / "inbox", history, ignore=shutil.ignore_patterns("fax"))
    day = tmp_path / "day"  # each structured source's last file lands as the day (one small file each)
    for source in STRUCTURED:
        folder = history / source.name
        files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        if files:
            (day / source.name).mkdir(parents=True)
            shutil.move(files[-1], day / source.name / files[-1].name)
    results = {}
    submit = parse_pool._submit
    sent: list[int] = []  # groups sent to the pool
    for workers in (0, 2):
        root = tmp_path / f"w{workers}"
        root.mkdir()
        shutil.copytree(history, root / "inbox")
        parse_pool.shutdown_pool()
        _run(root / "inbox", root, ctx, workers=0)  # the history, in-process
        shutil.copytree(day, root / "inbox", dirs_exist_ok=True)
        sent.clear()
        if workers:
            parse_pool.start_workers(workers)  # warm, as a run starts them
            monkeypatch.setattr(parse_pool, "_submit", lambda *a, **k: sent.append(1) or submit(*a, **k))
        reports = _run(root / "inbox", root, ctx, workers=workers)
        monkeypatch.setattr(parse_pool, "_submit", submit)
        assert sum(r.records for r in reports) > 0
        assert all(r.files_seen - r.files_skipped <= 1 for r in reports)
        if workers:
            assert len(sent) >= len([r for r in reports if r.records]), "a day's file parsed in the parent"
        results[workers] = _snapshot(root / "w.duckdb")
    parse_pool.shutdown_pool()
    assert results[2] == results[0]


def test_parse_workers_never_import_pandas(ingested) -> None:
    gen, _ = ingested
    fhir = sorted((gen / "inbox" / "fhir").glob("*.ndjson"))[0]
    parse_pool.shutdown_pool()
    try:
        parse_pool.start_workers(2)
        pool = parse_pool._pool(2)
        outcomes = [
            pool.submit(parse_and_report_pandas, str(fhir), str(gen / "config")).result() for _ in range(4)
        ]
    finally:
        parse_pool.shutdown_pool()
    assert all(records > 0 for records, _ in outcomes)
    assert not any(pandas for _, pandas in outcomes)


def test_log_and_stat_rows_are_written_as_given(tmp_path) -> None:
    """The parent's own rows (DuckDB list parameters): NULL reasons, a quarantine reason, big sizes and
    nanosecond mtimes survive; a file's stat row is replaced, not doubled."""
    at = datetime(2026, 7, 1, 5, 0, 0, 123456)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_raw_schema(con, SOURCES)
        log = [
            ("a.hl7", "a" * 64, 12, 3, "ok", None, 0.5),
            ("b.hl7", "b" * 64, 2**40, 0, "quarantined", "no usable records", 0.25),
        ]
        insert_log_rows(con, "hl7v2", log, at)
        rows = con.execute("SELECT * FROM raw.ingest_log ORDER BY file").fetchall()
        assert rows == [("hl7v2", *log[0][:6], at, 0.5), ("hl7v2", *log[1][:6], at, 0.25)]
        stats = {"a.hl7": (12, 1_767_225_600_123_456_789)}
        record_files(con, "hl7v2", [(Path("a.hl7"), "a" * 64)], stats)
        record_files(con, "hl7v2", [(Path("a.hl7"), "c" * 64)], {"a.hl7": (13, 5)})
        assert con.execute("SELECT * FROM ingest_cache.file_stats").fetchall() == [
            ("hl7v2", "a.hl7", 13, 5, "c" * 64)
        ]


def start_pool_and_end(stop_workers: bool) -> None:
    """Run in a spawned child, as ingest_ahead's: start the parse workers, use them, stop them, end."""
    parse_pool.start_workers(2)
    assert parse_pool._pool(2).submit(abs, -1).result() == 1
    if stop_workers:
        parse_pool.shutdown_pool(wait=True)


def test_a_child_process_with_parse_workers_ends() -> None:
    """The ingest started ahead of a run is a multiprocessing child with its own parse workers: it must end
    once its work is done (it hung in its exit, joining workers that were never told to stop, and the run
    with it)."""
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=start_pool_and_end, args=(True,))
    with parse_pool.importable_main():
        child.start()
    child.join(timeout=120)
    ended = child.exitcode is not None
    if not ended:
        child.kill()
    assert ended and child.exitcode == 0
