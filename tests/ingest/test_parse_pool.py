"""Parsing in worker processes gives the warehouse exactly what in-process parsing gives: the same raw rows,
ingest-log rows and quarantined files, on generator data and on edge cases (quoted newlines, BOM, a missing
profile column, bad lines, an empty file, a copy of a file)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import shutil
import sys
import types
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import framework, parse_pool
from orchestration.ingest.framework import ParseContext, ingest_source, ingest_sources
from orchestration.ingest.ingest_commits import Batch
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
from tests.ingest.conftest import raw_rows

pytestmark = pytest.mark.slow
STRUCTURED = [s for s in SOURCES if s.parallel]


def _first(folder: Path, pattern: str) -> Path:
    return sorted(folder.glob(pattern))[0]


def _add_edge_cases(inbox: Path) -> None:
    """Edge cases on top of real generator files (formats stay exactly the generator's)."""
    sms = _first(inbox / "sms", "*.csv")
    rows = list(csv.reader(io.StringIO(sms.read_text(encoding="utf-8"), newline="")))
    extra = list(rows[1])
    extra[rows[0].index("Sid")] = "SM" + "f" * 32
    extra[rows[0].index("Body")] = "line one\nline two, with a comma\nline three"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([*rows, extra, ["too", "few"]])
    (inbox / "sms" / "twilio_messages_edge.csv").write_text(out.getvalue(), encoding="utf-8")
    shutil.copy(sms, inbox / "sms" / "copy_of_first.csv")  # same content: ingested once
    forms = _first(inbox / "webforms", "*.jsonl")
    forms.write_bytes(b"\xef\xbb\xbf" + forms.read_bytes() + b"{not json\n")  # BOM + a bad line
    web = _first(inbox / "web", "*.jsonl")
    web.write_bytes(web.read_bytes() + b'{"event_id": "x1"}\n[1, 2]\n')
    (inbox / "fhir" / "Empty.ndjson").write_bytes(b"")
    report = _first(inbox / "emr_csv", "*.csv")
    header, _, body = report.read_text(encoding="utf-8").partition("\n")
    (inbox / "emr_csv" / f"{report.stem}_trimmed.csv").write_text(
        ",".join(header.split(",")[1:]) + "\n" + body, encoding="utf-8"
    )  # first column gone: the profile names it, so the file is quarantined


def _snapshot(warehouse: Path, quarantine: Path) -> dict[str, list]:
    out = raw_rows(warehouse)
    out["quarantine"] = sorted(
        (p.relative_to(quarantine).as_posix(), p.read_bytes()) for p in quarantine.rglob("*") if p.is_file()
    )
    return out


def _ingest(inbox: Path, root: Path, ctx: ParseContext, workers: int) -> dict[str, list]:
    shutil.copytree(inbox, root / "inbox")
    with duckdb.connect(str(root / "w.duckdb")) as con:
        for source in STRUCTURED:
            ingest_source(con, source, root / "inbox", root / "quarantine", ctx, workers=workers)
    return _snapshot(root / "w.duckdb", root / "quarantine")


def test_pool_and_in_process_give_identical_warehouses(ingested, tmp_path, monkeypatch) -> None:
    gen, _ = ingested
    inbox = tmp_path / "inbox"
    shutil.copytree(gen / "inbox", inbox, ignore=shutil.ignore_patterns("fax"))
    _add_edge_cases(inbox)
    ctx = ParseContext(gen / "config", load_profiles(gen / "config"), warehouse_dir=tmp_path)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)  # small practice: force the pool

    serial = _ingest(inbox, tmp_path / "serial", ctx, workers=0)
    pooled = _ingest(inbox, tmp_path / "pooled", ctx, workers=2)

    assert parse_pool.pool_children_pids(), "the pool was not used"
    assert pooled == serial
    log = {(r[1], r[5]) for r in serial["ingest_log"]}  # (file, status)
    assert ("twilio_messages_edge.csv", "partial") in log
    copies = {"copy_of_first.csv", _first(inbox / "sms", "twilio_*.csv").name}
    assert len({name for name, _ in log} & copies) == 1  # one content, ingested once
    assert any(name.endswith("_trimmed.csv") and status == "quarantined" for name, status in log)
    assert ("Empty.ndjson", "quarantined") in log
    (body,) = [
        r
        for r in serial["sms_messages"]
        if r[0] == "SM" + "f" * 32  # source_record_id
    ]
    assert "line two, with a comma\nline three" in body[3]
    assert sum(len(v) for k, v in serial.items() if k not in ("ingest_log", "quarantine")) > 5_000


def test_rerun_with_the_pool_changes_nothing(ingested, tmp_path, monkeypatch) -> None:
    gen, _ = ingested
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    ctx = ParseContext(gen / "config", load_profiles(gen / "config"), warehouse_dir=tmp_path)
    inbox = tmp_path / "inbox"
    shutil.copytree(gen / "inbox", inbox, ignore=shutil.ignore_patterns("fax"))
    first = _ingest(inbox, tmp_path / "run", ctx, workers=2)
    with duckdb.connect(str(tmp_path / "run" / "w.duckdb")) as con:
        reports = [
            ingest_source(con, s, tmp_path / "run" / "inbox", tmp_path / "q", ctx, workers=2)
            for s in STRUCTURED
        ]
    assert sum(r.records for r in reports) == 0
    assert all(r.files_skipped == r.files_seen for r in reports)
    assert _snapshot(tmp_path / "run" / "w.duckdb", tmp_path / "run" / "quarantine") == first


def test_pool_starts_whatever_main_script_the_parent_runs(warehouse, tmp_path, monkeypatch) -> None:
    """A spawned worker re-runs the parent's main script. Under AppTest (or a notebook) that is a page which
    fails outside its runtime; the workers must start anyway, not silently fall back to in-process."""
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a Streamlit page, not a program')\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    parse_pool.shutdown_pool()
    for n in range(3):
        events = [
            {"event_id": f"w{n}-{i}", "ts": "2026-05-31T23:43:29Z", "event": "page_view", "token": "t"}
            for i in range(10)
        ]
        warehouse.drop("web", f"web_{n}.jsonl", "".join(json.dumps(e) + "\n" for e in events))
    web = next(s for s in STRUCTURED if s.name == "web")
    with duckdb.connect(str(warehouse.path)) as con:
        report = ingest_source(con, web, warehouse.inbox, warehouse.quarantine, warehouse.ctx, workers=2)
    assert parse_pool.pool_children_pids(), "the pool broke and parsing fell back to in-process"
    assert sys.modules["__main__"] is page
    assert report.records == 30


def test_a_value_arrow_cannot_store_quarantines_the_file_not_the_source(warehouse, monkeypatch) -> None:
    """A JSON line may escape a lone surrogate: the records map, Arrow refuses the text. Row by row that
    happened outside the parser's error handling and failed the whole source."""
    monkeypatch.setenv("PTLEADS_INGEST_COLUMNAR", "0")
    good = {"event_id": "w1", "ts": "2026-05-31T23:43:29Z", "event": "page_view", "token": "t"}
    bad = {**good, "event_id": "w2", "token": "\ud800"}
    warehouse.drop("web", "a_bad.jsonl", json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    warehouse.drop("web", "b_good.jsonl", json.dumps({**good, "event_id": "w3"}) + "\n")
    web = next(s for s in STRUCTURED if s.name == "web")
    with duckdb.connect(str(warehouse.path)) as con:
        report = ingest_source(con, web, warehouse.inbox, warehouse.quarantine, warehouse.ctx, workers=0)
    assert report.quarantined == ["a_bad.jsonl"] and report.records == 1
    (reason,) = warehouse.query("SELECT reason FROM raw.ingest_log WHERE file = 'a_bad.jsonl'")[0]
    assert reason == "parser failed: UnicodeEncodeError"


def test_sources_overlapped_write_what_one_at_a_time_writes(ingested, tmp_path, monkeypatch) -> None:
    """ingest_sources opens the next source (hashes its files, sends them to the pool) before the source
    before it has committed, and the warehouse is still exactly that of ingest_source one source at a time."""
    gen, _ = ingested
    inbox = tmp_path / "inbox"
    shutil.copytree(gen / "inbox", inbox, ignore=shutil.ignore_patterns("fax"))
    _add_edge_cases(inbox)
    ctx = ParseContext(gen / "config", load_profiles(gen / "config"), warehouse_dir=tmp_path)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    serial = _ingest(inbox, tmp_path / "serial", ctx, workers=0)

    events: list[tuple[str, str]] = []
    real_init, real_commit = framework._SourceRun.__init__, Batch.commit

    def opened(self, con, source, *args, **kwargs) -> None:
        events.append(("open", source.name))
        real_init(self, con, source, *args, **kwargs)

    def committed(self, con, source, *args, **kwargs) -> bool:
        events.append(("commit", source.name))
        return real_commit(self, con, source, *args, **kwargs)

    monkeypatch.setattr(framework._SourceRun, "__init__", opened)
    monkeypatch.setattr(Batch, "commit", committed)
    root = tmp_path / "overlapped"
    shutil.copytree(inbox, root / "inbox")
    with duckdb.connect(str(root / "w.duckdb")) as con:
        reports = ingest_sources(con, STRUCTURED, root / "inbox", root / "quarantine", ctx, workers=2)

    assert _snapshot(root / "w.duckdb", root / "quarantine") == serial
    assert [r.source for r in reports] == [s.name for s in STRUCTURED]
    for before, after in itertools.pairwise(STRUCTURED):
        last_commit = max(i for i, e in enumerate(events) if e == ("commit", before.name))
        assert events.index(("open", after.name)) < last_commit, (before.name, after.name, events)


def test_workers_start_ahead_only_for_a_long_history(tmp_path) -> None:
    """run_pipeline starts the parse workers before loading its definitions when the inbox holds a long
    history (their ~1 s start then overlaps that load); a small inbox never pays for them."""
    from orchestration.pipeline import LONG_HISTORY_FILES, _long_history

    folder = tmp_path / "inbox" / "hl7v2"
    folder.mkdir(parents=True)
    for n in range(LONG_HISTORY_FILES - 1):
        (folder / f"m{n}.hl7").touch()
    assert not _long_history(tmp_path / "inbox")
    (tmp_path / "inbox" / "fhir").mkdir()
    (tmp_path / "inbox" / "fhir" / "Patient.ndjson").touch()
    assert _long_history(tmp_path / "inbox")

    parse_pool.shutdown_pool()
    try:
        parse_pool.start_workers(2)
        assert len(parse_pool.pool_children_pids()) == 2  # started, not waited for
    finally:
        parse_pool.shutdown_pool()  # no pool left behind for the next test in this process
