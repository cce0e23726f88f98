"""Files larger than one chunk: parsed chunk by chunk, they give exactly the rows, ingest log and line
numbers of a whole-file parse; their chunks go in one transaction (a kill mid-file leaves nothing)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import ingest_commits, parse_pool
from orchestration.ingest.fhir import FHIR
from orchestration.ingest.ingest_commits import CRASH_ENV
from orchestration.ingest.sms import SMS
from orchestration.settings import REPO_ROOT

SMALL_CHUNK = 3_000


def _fhir_lines(n: int) -> list[str]:
    lines = []
    for i in range(n):
        kind = ("Patient", "Appointment", "Coverage")[i % 3]
        resource: dict = {
            "resourceType": kind,
            "id": f"r{i}",
            "meta": {"lastUpdated": "2025-03-04T10:00:00Z"},
        }
        if kind == "Patient":
            resource |= {"name": [{"family": f"F{i}", "given": ["G", "H"]}], "birthDate": "1970-03-04"}
        elif kind == "Appointment":
            resource |= {
                "status": "booked",
                "start": "2025-07-05T09:00:00-05:00",
                "participant": [{"actor": {"reference": f"Patient/r{i - 1}"}}],
            }
        else:
            resource |= {
                "status": "active",
                "subscriberId": f"M{i}",
                "beneficiary": {"reference": "Patient/r0"},
            }
        lines.append(json.dumps(resource))
    return lines


def _state(warehouse) -> dict[str, list[tuple]]:
    tables = [
        t
        for (t,) in warehouse.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
        )
    ]
    return {
        t: warehouse.query(
            f"SELECT * EXCLUDE ({'ingested_at, duration_s' if t == 'ingest_log' else 'ingested_at'}) "
            f"FROM raw.{t} ORDER BY ALL"
        )
        for t in tables
    }


def _ingest_both(warehouse_factory, source, name: str, data: bytes, monkeypatch, workers: int = 0):
    """(whole-file state, chunked state, chunks the file was cut into)."""
    states = []
    for chunk_bytes in (10 * len(data), SMALL_CHUNK):
        monkeypatch.setattr(parse_pool, "CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
        warehouse = warehouse_factory(f"{name}-{chunk_bytes}")
        warehouse.drop(source.name, name, data)
        report = warehouse.ingest(source, workers=workers)
        states.append((_state(warehouse), report))
    return states


@pytest.fixture
def warehouse_factory(tmp_path, ctx):
    from tests.ingest.conftest import Warehouse

    class _Workers(Warehouse):
        def ingest(self, source, workers=0):
            from orchestration.ingest.framework import ingest_source

            with duckdb.connect(str(self.path)) as con:
                return ingest_source(con, source, self.inbox, self.quarantine, self.ctx, workers=workers)

    return lambda name: _Workers(tmp_path / name, ctx)


def _cut_into(data: bytes, mode: str, tmp_path: Path) -> int:
    path = tmp_path / "probe"
    path.write_bytes(data)
    return len(parse_pool.scan_file(path, mode, SMALL_CHUNK).chunks)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_file_of_many_chunks_gives_the_rows_of_one_chunk(warehouse_factory, monkeypatch, tmp_path, workers):
    lines = _fhir_lines(240)
    lines[150] = "{not json"  # a bad line in a later chunk
    data = ("\n".join(lines) + "\n").encode()
    assert _cut_into(data, "lines", tmp_path) > 5
    (whole, whole_report), (cut, cut_report) = _ingest_both(
        warehouse_factory, FHIR, "Bulk.ndjson", data, monkeypatch, workers
    )
    assert whole["fhir_patients"] and whole["fhir_appointments"] and whole["fhir_coverages"]
    assert cut == whole
    assert cut_report.records == whole_report.records == 239
    (log,) = cut["ingest_log"]
    assert log[5] == "partial" and log[6].startswith("bad lines 151: ")


def test_bad_line_numbers_in_later_chunks_are_the_files(warehouse_factory, monkeypatch, tmp_path):
    lines = _fhir_lines(200)
    bad = [3, 77, 131, 199]
    for number in bad:
        lines[number - 1] = '{"resourceType": "Patient"}'  # no id
    lines[119] = "[1, 2"  # malformed, line 120
    data = ("\n\n".join(lines) + "\n").encode()  # blank lines between: physical numbers differ from indexes
    assert _cut_into(data, "lines", tmp_path) > 5
    (whole, _), (cut, _) = _ingest_both(warehouse_factory, FHIR, "B.ndjson", data, monkeypatch)
    expected = sorted([2 * n - 1 for n in bad] + [2 * 120 - 1])
    assert cut["ingest_log"] == whole["ingest_log"]
    assert cut["ingest_log"][0][6].startswith(f"bad lines {', '.join(map(str, expected))}: ")


def test_a_chunk_without_supported_resources_does_not_condemn_the_file(
    warehouse_factory, monkeypatch, tmp_path
):
    other = [
        json.dumps({"resourceType": "Observation", "id": f"o{i}", "status": "final"}) for i in range(150)
    ]
    data = ("\n".join(other + _fhir_lines(30)) + "\n").encode()
    assert _cut_into(data, "lines", tmp_path) > 3
    (whole, _), (cut, _) = _ingest_both(warehouse_factory, FHIR, "Mixed.ndjson", data, monkeypatch)
    assert cut == whole and cut["ingest_log"][0][5] == "ok"
    only_other = ("\n".join(other) + "\n").encode()
    (whole, _), (cut, _) = _ingest_both(warehouse_factory, FHIR, "Other.ndjson", only_other, monkeypatch)
    assert cut["ingest_log"] == whole["ingest_log"]
    assert cut["ingest_log"][0][5:7] == ("quarantined", "no supported FHIR resources (found Observation)")


def test_csv_chunks_with_quoted_line_breaks_give_the_rows_of_one_chunk(
    warehouse_factory, monkeypatch, tmp_path
):
    header = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid"
    header += ",Direction,Price,PriceUnit"
    rows = []
    for i in range(120):
        body = f'"Hi {i},\nsee you ""soon""\nbye"' if i % 4 == 0 else f"Plain text {i}"
        sent = "not a date" if i == 97 else "2024-12-31T15:25:32-06:00"
        rows.append(
            f"+1512255{i:04d},+17372198683,{body},delivered,{sent},2010-04-01,1,,AC1,SM{i:032d},outbound-api,-0.0079,USD"
        )
    data = (header + "\n" + "\n".join(rows) + "\n").encode()
    assert _cut_into(data, "csv", tmp_path) > 3
    (whole, _), (cut, _) = _ingest_both(warehouse_factory, SMS, "twilio.csv", data, monkeypatch)
    assert len(whole["sms_messages"]) in (119, 120)
    assert cut == whole


_CRASH_SCRIPT = """
import sys
from pathlib import Path
import duckdb
from orchestration.ingest.fhir import FHIR
from orchestration.ingest.framework import ParseContext, ingest_source
root = Path(sys.argv[1])
con = duckdb.connect(str(root / "w.duckdb"))
ingest_source(con, FHIR, root / "inbox", root / "quarantine", ParseContext(root), workers=0)
con.close()
"""


def _run(root: Path, crash: bool) -> int:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    env["PTLEADS_INGEST_CHUNK_BYTES"] = str(SMALL_CHUNK)
    if crash:
        env[CRASH_ENV] = "2"  # the second file, after its first chunk's rows are inserted
    proc = subprocess.run(
        [sys.executable, "-c", _CRASH_SCRIPT, str(root)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    return proc.returncode


def test_kill_mid_file_leaves_nothing_of_it_and_the_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    lines = _fhir_lines(240)
    for root in (tmp_path / "clean", tmp_path / "crashed"):
        (root / "inbox" / "fhir").mkdir(parents=True)
        (root / "inbox" / "fhir" / "A.ndjson").write_text("\n".join(lines[:30]) + "\n")
        (root / "inbox" / "fhir" / "B.ndjson").write_text("\n".join(lines[30:]) + "\n")
    assert _run(tmp_path / "crashed", crash=True) == -signal.SIGKILL
    with duckdb.connect(str(tmp_path / "crashed" / "w.duckdb"), read_only=True) as con:
        files = con.execute("SELECT DISTINCT source_file FROM raw.fhir_patients").fetchall()
        logged = con.execute("SELECT file FROM raw.ingest_log").fetchall()
    assert files == [("A.ndjson",)] and logged == [("A.ndjson",)]  # nothing of B
    assert _run(tmp_path / "crashed", crash=False) == 0
    assert _run(tmp_path / "clean", crash=False) == 0

    def state(root: Path) -> dict:
        with duckdb.connect(str(root / "w.duckdb"), read_only=True) as con:
            return {
                t: con.execute(f"SELECT * EXCLUDE (ingested_at) FROM raw.{t} ORDER BY ALL").fetchall()
                for t in ("fhir_patients", "fhir_appointments", "fhir_coverages")
            } | {
                "log": con.execute(
                    "SELECT file, sha256, records, status FROM raw.ingest_log ORDER BY 1"
                ).fetchall()
            }

    assert state(tmp_path / "crashed") == state(tmp_path / "clean")


def test_the_pool_parses_each_chunk_once(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "fhir" / "Bulk.ndjson"
    path.parent.mkdir()
    path.write_text("\n".join(_fhir_lines(240)) + "\n")
    monkeypatch.setattr(parse_pool, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    sent: list[int] = []
    submit = parse_pool._submit

    def counting_submit(workers, fn, *args):
        if fn is parse_pool.parse_chunk_to_tables:
            sent.append(args[2].start)
        return submit(workers, fn, *args)

    monkeypatch.setattr(parse_pool, "_submit", counting_submit)
    (job,) = parse_pool.file_jobs([path], FHIR.parse, None, set(), True, 2, FHIR.chunking)
    parts = list(job.parts())
    assert len(job.chunks) > 5 and len(parts) == len(job.chunks)
    assert sorted(sent) == [c.start for c in job.chunks]  # every chunk sent to the pool, and only once
    assert sum(p.records for p in parts) == 240


def test_the_files_after_a_cut_file_go_to_the_pool_before_it_commits(warehouse_factory, monkeypatch) -> None:
    """Once a cut file's chunks are all in the pool, the next files are sent too: the workers parse them
    while the cut file's last chunks are inserted and committed; the warehouse is what a serial run gives."""
    lines = _fhir_lines(240)
    warehouse, serial = warehouse_factory("pooled"), warehouse_factory("serial")
    for w in (warehouse, serial):
        w.drop("fhir", "A_bulk.ndjson", "\n".join(lines) + "\n")
        w.drop("fhir", "B_small.ndjson", "\n".join(lines[:9]).replace('"r', '"s') + "\n")
    monkeypatch.setattr(parse_pool, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    events: list[str] = []
    submit = parse_pool._submit

    def recording_submit(workers, fn, *args):
        events.append("group" if fn is parse_pool.parse_group else "chunk")
        return submit(workers, fn, *args)

    real_insert = ingest_commits.insert_rows

    def recording_insert(con, name, rows, source, at):
        events.append("insert")
        return real_insert(con, name, rows, source, at)

    monkeypatch.setattr(parse_pool, "_submit", recording_submit)
    monkeypatch.setattr(ingest_commits, "insert_rows", recording_insert)
    warehouse.ingest(FHIR, workers=2)
    assert "group" in events
    chunks = events.count("chunk")
    # The small file's group is sent right after the cut file's last chunk, before its last inserts.
    assert events.index("group") < len(events) - 1 - events[::-1].index("insert")
    assert events[: events.index("group")].count("chunk") == chunks
    serial.ingest(FHIR, workers=0)
    assert _state(warehouse) == _state(serial)
