"""Shared fixtures for ingestion tests: the shipped profiles and a throwaway warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import generate
from orchestration.ingest import parse_pool
from orchestration.ingest.framework import ParseContext, Source, SourceReport, ingest_source
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
from orchestration.settings import REPO_ROOT

FHIR_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "fhir"


@pytest.fixture(scope="session")
def ctx() -> ParseContext:
    config = REPO_ROOT / "config"
    return ParseContext(config_dir=config, profiles=load_profiles(config))


class Warehouse:
    """A tmp warehouse + inbox + quarantine, and a one-call ingest."""

    def __init__(self, root: Path, ctx: ParseContext) -> None:
        self.root, self.ctx = root, ctx
        self.inbox = root / "inbox"
        self.quarantine = root / "quarantine"
        self.path = root / "w.duckdb"

    def drop(self, source: str, name: str, data: bytes | str) -> Path:
        folder = self.inbox / source
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def ingest(self, source: Source) -> SourceReport:
        with duckdb.connect(str(self.path)) as con:
            return ingest_source(con, source, self.inbox, self.quarantine, self.ctx)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def warehouse(tmp_path: Path, ctx: ParseContext) -> Warehouse:
    return Warehouse(tmp_path, ctx)


@pytest.fixture(scope="session")
def ingested(tmp_path_factory) -> tuple[Path, Path]:
    """A 500-lead generator practice (5 faxes) ingested source by source: (generator folder, warehouse).
    Shared by the slow truth and parse-pool tests (generated once per session)."""
    root = tmp_path_factory.mktemp("truth")
    generate(
        out_dir=root / "gen",
        seed=1,
        n_leads=500,
        months=6,
        n_clinics=3,
        end=date(2025, 12, 31),
        max_faxes=5,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    config = root / "gen" / "config"
    ctx = ParseContext(config, load_profiles(config), warehouse_dir=root)
    with duckdb.connect(str(root / "w.duckdb")) as con:
        for source in SOURCES:
            report = ingest_source(con, source, root / "gen" / "inbox", root / "quarantine", ctx, workers=0)
            assert report.files_quarantined == 0, (source.name, report.quarantined)
    return root / "gen", root / "w.duckdb"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Names of the files the ingestion reads and hashes (parse_pool.scan_file). Parsed in-process: a pool
    (one left warm by an earlier test takes any inbox) hashes the files in its workers, out of sight."""
    monkeypatch.setenv(parse_pool.WORKERS_ENV, "0")
    seen: list[str] = []
    real = parse_pool.scan_file

    def counting(path: Path, *args, **kwargs):
        seen.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(parse_pool, "scan_file", counting)
    return seen


def raw_rows(warehouse: Path) -> dict[str, list]:
    """Every raw table's rows and the ingest log, without the load times: what two ingests of the same inbox
    must agree on."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
            ).fetchall()
        ]
        out = {
            t: con.execute(f"SELECT * EXCLUDE (ingested_at) FROM raw.{t} ORDER BY ALL").fetchall()
            for t in tables
            if t != "ingest_log"
        }
        out["ingest_log"] = con.execute(
            "SELECT * EXCLUDE (ingested_at, duration_s) FROM raw.ingest_log ORDER BY ALL"
        ).fetchall()
    return out
