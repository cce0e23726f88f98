"""kill -9 in the middle of a file's transaction, rerun: the warehouse equals one clean run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import generate
from orchestration.ingest.ingest_commits import CRASH_ENV
from orchestration.settings import REPO_ROOT

INGEST_SCRIPT = """
import sys
from datetime import date
from pathlib import Path
import duckdb
from orchestration.ingest import parse_pool
from orchestration.ingest.framework import ParseContext, ingest_source, ingest_sources
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
root, config = Path(sys.argv[1]), Path(sys.argv[2])
ctx = ParseContext(config, load_profiles(config))
con = duckdb.connect(str(root / "w.duckdb"))
if sys.argv[3] == "overlapped":  # every source in one call, parsed in the pool (a small inbox: forced)
    parse_pool.POOL_MIN_BYTES = 0
    ingest_sources(con, SOURCES, root / "inbox", root / "quarantine", ctx, workers=2)
else:
    for source in SOURCES:
        ingest_source(con, source, root / "inbox", root / "quarantine", ctx)
con.close()
"""


def _make_inbox(root: Path) -> None:
    fhir = root / "inbox" / "fhir"
    forms = root / "inbox" / "webforms"
    fhir.mkdir(parents=True)
    forms.mkdir(parents=True)
    for i in range(6):
        lines = [
            json.dumps({"resourceType": "Patient", "id": f"p{i}-{j}", "birthDate": "1970-01-01"})
            for j in range(50)
        ]
        (fhir / f"Patient_{i}.ndjson").write_text("\n".join(lines) + ("\n{bad" if i == 2 else "") + "\n")
    (fhir / "Empty.ndjson").write_text("")
    for i in range(3):
        forms_lines = [
            json.dumps(
                {
                    "submission_id": f"w{i}-{j}",
                    "submitted_at": "2025-01-01T10:00:00Z",
                    "name": "A B",
                    "date_of_birth": "",
                    "phone": "",
                    "email": "",
                    "zip": "",
                    "reason": "",
                    "insurance": "",
                    "member_id": "",
                    "referred_by": "",
                    "preferred_location": "",
                    "preferred_contact": "",
                    "sms_opt_in": "",
                    "email_opt_in": "",
                    "message": "",
                }
            )
            for j in range(20)
        ]
        (forms / f"forms_{i}.jsonl").write_text("\n".join(forms_lines) + "\n")


def _generated_inbox(root: Path) -> Path:
    """A small generator practice: every other source in its real format (no faxes: OCR is slow)."""
    generate(
        out_dir=root,
        seed=3,
        n_leads=60,
        months=9,
        n_clinics=3,
        end=date(2025, 6, 30),
        max_faxes=0,
        base_config=REPO_ROOT / "config",
        progress=lambda _msg: None,
    )
    return root / "inbox"


def _add_generated(root: Path, generated: Path) -> None:
    for folder in sorted(generated.iterdir()):
        if folder.name not in ("fhir", "webforms", "fax"):
            shutil.copytree(folder, root / "inbox" / folder.name)


def _run(root: Path, crash_at: int | None = None, mode: str = "one_by_one") -> int:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash_at is not None:
        env[CRASH_ENV] = str(crash_at)
    proc = subprocess.run(
        [sys.executable, "-c", INGEST_SCRIPT, str(root), str(REPO_ROOT / "config"), mode],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    return proc.returncode


def _state(root: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(root / "w.duckdb"), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
            ).fetchall()
        ]
        state = {}
        for t in tables:
            drop = "ingested_at, duration_s" if t == "ingest_log" else "ingested_at"
            state[t] = con.execute(f"SELECT * EXCLUDE ({drop}) FROM raw.{t} ORDER BY ALL").fetchall()
        return state
    finally:
        con.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return _generated_inbox(tmp_path_factory.mktemp("gen"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("crash_at", "mode"), [(1, "one_by_one"), (4, "one_by_one"), (10, "one_by_one"), (10, "overlapped")]
)
def test_kill_mid_transaction_then_rerun_equals_clean_run(
    tmp_path: Path, crash_at: int, mode: str, generated: Path
) -> None:
    """The hook kills at the n-th file of the first source that has n files: 1 and 4 hit FHIR, 10 a later
    source (EMR CSV), after earlier sources committed. overlapped: the killed run and its rerun ingest every
    source in one ingest_sources call (later sources' files already in the parse pool at the kill); the
    clean run is the one-by-one ingest."""
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    for root in (clean, crashed):
        _make_inbox(root)
        _add_generated(root, generated)
    assert _run(clean) == 0
    assert _run(crashed, crash_at=crash_at, mode=mode) == -signal.SIGKILL
    assert _run(crashed, mode=mode) == 0
    expected = _state(clean)
    assert expected["fhir_patients"] and expected["webforms_submissions"]
    for table in (
        "emr_csv_referrals",
        "hl7v2_messages",
        "calls_log",
        "sms_messages",
        "email_events",
        "web_events",
    ):
        assert expected[table], table
    assert _state(crashed) == expected
    assert sorted(p.name for p in (crashed / "quarantine" / "fhir").iterdir()) == [
        "Empty.ndjson",
        "Empty.ndjson.reason.txt",
    ]
