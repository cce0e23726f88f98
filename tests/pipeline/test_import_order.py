"""The pipeline's process loads scipy.special before Dagster and dbt (orchestration.scipy_first): skops'
import, which the scoring needs, then finds scipy's ufuncs near the start of sys.modules. And it loads no
pandas with the definitions (ingest.arrow_constants): the scoring's warm-up imports it during dbt phase 1."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

from orchestration import pipeline
from orchestration.settings import REPO_ROOT

_ORDER = """
import json, sys
import {module}
names = list(sys.modules)
print(json.dumps({{n: names.index(n) for n in ("scipy.special", "dagster", "dbt", "pandas") if n in names}}))
"""


def _positions(module: str) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _ORDER.format(module=module)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_definitions_load_scipy_special_before_dagster() -> None:
    found = _positions("orchestration.definitions")
    assert found["scipy.special"] < found["dagster"]


def test_a_run_imports_scipy_special_before_dagster() -> None:
    # run_pipeline imports Dagster inside the function; the module alone must not have loaded it yet,
    # and the function's own first import is scipy_first (checked on its source order).
    source = inspect.getsource(pipeline.run_pipeline)
    assert source.index("import orchestration.scipy_first") < source.index("from dagster import")
    assert "dagster" not in _positions("orchestration.pipeline")


def test_the_definitions_load_no_pandas() -> None:
    # pyarrow imports pandas at its first array or scalar from Python values: a module-level constant of a
    # source module's would cost the run's main process ~0.2-0.3 s before its first dbt phase
    assert "pandas" not in _positions("orchestration.definitions")
