"""Benchmark: AppTest render time of every page on a 100k-lead fixture snapshot (target < 1 s a page).

Builds the tests/app fixture snapshot at --leads, then renders each page as admin with AppTest: the
first render (cold query cache, includes opening DuckDB and the SQL) and the median of --repeat warm
renders (what a user sees on each interaction). Writes benchmarks/results/app_render-<date>.json.
Run: uv run python benchmarks/app_render.py [--leads 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "app"))

from app_snapshot_fixture import build_snapshot  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from app.lib.auth import User  # noqa: E402
from app.lib.navigation import PAGES  # noqa: E402

ADMIN = User("admin", "admin", "Admin")
# Pages whose interesting part needs one widget set (drill-downs, the lead detail).
INTERACTIONS: dict[str, tuple[str, str, str | None]] = {
    "breakdowns": ("selectbox", "breakdown_drill", "fax"),
    "lead_detail": ("selectbox", "detail_lead", None),  # None: the first lead offered
}


def _render(file: str, key: str) -> float:
    at = AppTest.from_file(str(ROOT / "app" / "app_pages" / file), default_timeout=300)
    at.session_state["user"] = ADMIN
    started = time.perf_counter()
    at.run()
    if key in INTERACTIONS:
        kind, widget, value = INTERACTIONS[key]
        element = getattr(at, kind)(key=widget)
        element.set_value(element.options[0] if value is None else value).run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{file}: {at.exception[0].value}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["PTLEADS_WAREHOUSE"] = str(folder / "warehouse.duckdb")
        os.environ["PTLEADS_INBOX"] = str(folder / "inbox")
        started = time.perf_counter()
        build_snapshot(folder, n_leads=args.leads)
        build_s = time.perf_counter() - started
        # One throwaway render pays the interpreter's one-off imports (Streamlit, Altair, the app), so
        # "cold" below means an empty query cache, not a cold process. MLflow's import (~2 s) stays in
        # the models page's cold number: a real server pays it once, on the first analyst visit.
        _render("audit_log.py", "audit")
        pages = {}
        for spec in PAGES:
            cold = _render(spec.file, spec.key)
            warm = [_render(spec.file, spec.key) for _ in range(args.repeat)]
            pages[spec.key] = {"cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3)}
            print(f"{spec.key:14s} cold {cold:6.3f} s   warm {statistics.median(warm):6.3f} s", flush=True)
    result = {
        "date": date.today().isoformat(),
        "leads": args.leads,
        "snapshot_build_s": round(build_s, 1),
        "note": "AppTest render (script run incl. widgets, excl. browser paint); cold = empty query cache",
        "pages": pages,
    }
    out = ROOT / "benchmarks" / "results" / f"app_render-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
