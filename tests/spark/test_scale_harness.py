"""The scale benchmark's own pieces (benchmarks/scale): the one-day split of a generated inbox and the
DuckDB floor. Kept beside the Spark tests because both belong to issue 8's harness."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from orchestration.generator import generate
from orchestration.ingest.profiles import load_profiles, pick_profile
from orchestration.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from scale.day_split import first_date, split_last_day
from scale.floor import read_inbox

pytestmark = pytest.mark.slow  # generates a 300-lead practice once

DAY = date(2026, 3, 30)  # a Monday: every channel is busy


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "gen"
    generate(out, 3, 300, 2, 3, DAY, 0, REPO_ROOT / "config", lambda _m: None)
    return out


def _records(folder: Path) -> Counter[str]:
    """Every record line of every line-oriented file (CSV headers dropped), and every SendGrid event."""
    found: Counter[str] = Counter()
    for path in folder.rglob("*"):
        if path.suffix in (".csv", ".jsonl", ".ndjson"):
            lines = path.read_text(encoding="utf-8").splitlines()
            found.update(lines[1:] if path.suffix == ".csv" else lines)
        elif path.suffix == ".json" and path.parent.name == "email":
            found.update(
                json.dumps(e, separators=(",", ":")) for e in json.loads(path.read_text(encoding="utf-8"))
            )
    return found


def test_split_keeps_every_record_once_and_moves_only_the_day(practice: Path, tmp_path: Path) -> None:
    report = split_last_day(practice / "inbox", tmp_path / "history", tmp_path / "day", DAY)
    assert report.records_day > 0 and report.files_day > 0
    assert _records(tmp_path / "history") + _records(tmp_path / "day") == _records(practice / "inbox")
    day_records = _records(tmp_path / "day")
    assert all(first_date(line) == DAY for line in day_records)
    assert not any(first_date(line) == DAY for line in _records(tmp_path / "history"))


def test_day_files_keep_names_the_mapping_profiles_accept(practice: Path, tmp_path: Path) -> None:
    split_last_day(practice / "inbox", tmp_path / "history", tmp_path / "day", DAY)
    profiles = load_profiles(practice / "config")
    for source in ("emr_csv", "calls"):
        for path in (tmp_path / "day" / source).glob("*.csv"):
            assert pick_profile(profiles, source, path.name) is not None, path.name


def test_first_date_reads_iso_us_and_epoch() -> None:
    assert first_date('{"ts":"2026-03-30T10:00:00Z"}') == DAY
    assert first_date("A1,03/30/2026 07:48:35 AM,Inbound") == DAY
    assert first_date('{"timestamp":1774872000,"event":"open"}') == DAY  # 2026-03-30 12:00 UTC
    assert first_date("no date here") is None


def test_floor_reads_every_file(practice: Path, tmp_path: Path) -> None:
    floor = read_inbox(practice / "inbox", tmp_path / "floor.duckdb")
    files = [p for p in (practice / "inbox").rglob("*") if p.is_file()]
    assert floor["files"] == len(files)
    assert floor["rows"] >= sum(_records(practice / "inbox").values())
