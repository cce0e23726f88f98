"""Run one step in a child process and account for it alone: wall time, CPU seconds (user + system,
the child and every process it waited for, e.g. dbt) and peak RSS, all from `os.wait4` on that pid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SCALE_DIR = Path(__file__).resolve().parent


class StepFailed(RuntimeError):
    """A step's child exited non-zero; the message names the step and its log file."""


@dataclass
class StepResult:
    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    result: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "wall_s": round(self.wall_s, 2),
            "cpu_s": round(self.cpu_s, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            **self.result,
        }


def run_step(name: str, params: dict[str, object], work: Path, nice: int = 0) -> StepResult:
    """`python -m scale.steps name` in a child; its stdout/stderr go to work/logs/<name>.log."""
    (work / "logs").mkdir(parents=True, exist_ok=True)
    params_path = work / "logs" / f"{name}.params.json"
    result_path = work / "logs" / f"{name}.result.json"
    params_path.write_text(json.dumps(params, indent=2, default=str), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(SCALE_DIR.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "scale.steps", name, str(params_path), str(result_path)]
    with open(work / "logs" / f"{name}.log", "w", encoding="utf-8") as log:
        started = time.perf_counter()
        child = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
    if child.returncode != 0 or not result_path.exists():
        raise StepFailed(f"step {name} exited {child.returncode} (log: {work / 'logs' / f'{name}.log'})")
    # Linux reports ru_maxrss in KiB; wait4 gives max(child, its reaped descendants).
    return StepResult(
        name,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        json.loads(result_path.read_text(encoding="utf-8")),
    )
