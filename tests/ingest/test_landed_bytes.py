"""landed_bytes: the bytes the next ingest will read (what the quick check does not skip), and the choice it
makes for the ingest started ahead (parse in that process for a small landing, workers otherwise)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from orchestration.ingest import ingest_ahead
from orchestration.ingest.file_stats import landed_bytes
from orchestration.ingest.framework import ParseContext, ingest_sources
from orchestration.ingest.sources import SOURCES
from orchestration.settings import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
NAMES = [s.name for s in SOURCES]


def _inbox(root: Path) -> Path:
    inbox = root / "inbox"
    (inbox / "fhir").mkdir(parents=True)
    (inbox / "emr_csv").mkdir()
    shutil.copy(FIXTURES / "fhir" / "Patient-example.json", inbox / "fhir")
    shutil.copy(FIXTURES / "emr_csv" / "Prompt_Referrals_2025-03.csv", inbox / "emr_csv")
    return inbox


def _ingest(con: duckdb.DuckDBPyConnection, inbox: Path, root: Path) -> None:
    ctx = ParseContext(config_dir=REPO_ROOT / "config")
    ingest_sources(con, SOURCES, inbox, root / "quarantine", ctx, workers=0)


def test_landed_bytes_counts_what_the_quick_check_would_read(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert landed_bytes(con, inbox, NAMES) is None  # before any ingest: no file stats
    _ingest(con, inbox, tmp_path)
    assert landed_bytes(con, inbox, NAMES) == 0

    new = inbox / "fhir" / "Patient-copy.json"
    shutil.copy(FIXTURES / "fhir" / "Patient-example.json", new)
    (inbox / "emr_csv" / ".upload.part").write_text("partial upload")  # hidden: never ingested
    assert landed_bytes(con, inbox, NAMES) == new.stat().st_size

    changed = inbox / "fhir" / "Patient-example.json"
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # rewritten in place
    assert landed_bytes(con, inbox, NAMES) == new.stat().st_size + stat.st_size
    # Counting stops at the first folder past the limit (fhir comes first; a landed CSV is not counted).
    shutil.copy(FIXTURES / "emr_csv" / "Prompt_Referrals_2025-03.csv", inbox / "emr_csv" / "Later.csv")
    assert landed_bytes(con, inbox, NAMES, limit=1) == new.stat().st_size + stat.st_size
    con.close()


def test_the_ingest_ahead_parses_a_small_landing_in_its_own_process(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert ingest_ahead._workers(con, inbox, NAMES) is None  # a first ingest: the usual workers
    _ingest(con, inbox, tmp_path)
    shutil.copy(FIXTURES / "fhir" / "Patient-example.json", inbox / "fhir" / "Patient-copy.json")
    assert ingest_ahead._workers(con, inbox, NAMES) == 0
    con.close()
