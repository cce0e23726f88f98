"""orchestration/transform/dbt_parse_key.py: `ptleads-dbt` keeps its partial parse for a warehouse in another
folder and with other DuckDB settings, still parses again for another warehouse file name, and the claim the
key rests on (no macro reads target.path or target.settings) holds for the project and for dbt-duckdb."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dbt.include.duckdb

from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR
from tests.dbt.probe_project import probe_project

BIN = Path(sys.executable).parent
REJECTED = "Unable to do partial parsing"
# target.path, target['settings'], target.get("path"), ...
_TARGET_READ = re.compile(
    r"""target\s*(\.\s*(path|settings)\b|\[\s*['"](path|settings)['"]|\.get\(\s*['"](path|settings)['"])"""
)


def _project(root: Path) -> Path:
    output = (
        "      path: \"{{ env_var('PROBE_WAREHOUSE') }}\"\n      threads: 1\n"
        "      settings:\n        memory_limit: \"{{ env_var('PROBE_MEMORY') }}\"\n"
    )
    return probe_project(root, "select 1 as one", output)


def _parse(project: Path, warehouse: Path, memory: str, log: str) -> str:
    """`ptleads-dbt parse` into the project's one target folder; that invocation's dbt.log."""
    env = {**os.environ, "PROBE_WAREHOUSE": str(warehouse), "PROBE_MEMORY": memory}
    args = ["parse", "--project-dir", str(project), "--profiles-dir", str(project)]
    args += ["--target-path", str(project / "target"), "--log-path", str(project / log)]
    done = subprocess.run(
        [str(BIN / "ptleads-dbt"), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:]
    return (project / log / "dbt.log").read_text(encoding="utf-8")


def test_a_warehouse_elsewhere_parses_partially_another_file_name_does_not(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    first = _parse(project, tmp_path / "a" / "warehouse.duckdb", "1GB", "log1")
    assert (project / "target" / "partial_parse.msgpack").is_file()
    assert f"{REJECTED} because saved manifest not found" in first  # nothing to start from yet
    # another folder and another memory limit: the saved parse serves
    moved = _parse(project, tmp_path / "b" / "warehouse.duckdb", "2GB", "log2")
    assert REJECTED not in moved and "Partial parsing enabled" in moved
    # another file name is another database name (relation names in the parse): parsed again
    renamed = _parse(project, tmp_path / "b" / "other.duckdb", "2GB", "log3")
    assert f"{REJECTED} because profile has changed" in renamed


def test_no_macro_reads_the_keys_left_out() -> None:
    roots = [DBT_PROJECT_DIR / folder for folder in ("macros", "models", "tests")]
    roots.append(Path(dbt.include.duckdb.__file__).parent)
    files = [path for root in roots for path in root.rglob("*.sql")]
    assert len(files) > 50
    readers = [str(path) for path in files if _TARGET_READ.search(path.read_text(encoding="utf-8"))]
    assert readers == []
    assert _TARGET_READ.search("{{ target.path }}") and _TARGET_READ.search("target['settings']")
