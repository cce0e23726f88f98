"""Bytecode for the environment before any step is timed.

`make setup` installs with UV_COMPILE_BYTECODE=1 and lets our own modules write their .pyc, so a practice's
runs never compile what they import. A bench started from a venv built otherwise (`uv sync` without it) in
a shell that sets PYTHONDONTWRITEBYTECODE would instead time every step's child compiling sklearn, mlflow,
dbt and dagster from source: at 100k leads 8.7 of the train step's 37.8 CPU-s, and seconds in every other
step (h134, benchmarks/results/h134_train_fixed-2026-11-30.json). compileall writes the files whatever
PYTHONDONTWRITEBYTECODE says; once they are there, a repeat costs only the stat calls."""

from __future__ import annotations

import compileall
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("orchestration", "ml", "app", "benchmarks")


def compile_bytecode() -> float:
    """Compile site-packages and the project's packages (both cores); the seconds it took."""
    started = time.perf_counter()
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    for root in [*sorted(roots), *(str(REPO / p) for p in PROJECT_PACKAGES)]:
        compileall.compile_dir(root, quiet=2, workers=0)
    return time.perf_counter() - started
