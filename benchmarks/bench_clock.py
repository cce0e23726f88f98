"""Wall and CPU time of one benchmark step. CPU counts this process and the children it waited for (dbt,
`ptleads` runs), because the benchmark machine is shared and wall time moves with other people's load."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], T], digits: int = 2, with_load: bool = False) -> tuple[T, dict[str, float]]:
    """fn's result and {"wall_s", "cpu_s"} (and the 1-minute load after it, when asked)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    spent = {"wall_s": round(time.perf_counter() - wall, digits), "cpu_s": round(cpu_seconds() - cpu, digits)}
    if with_load:
        spent["load_after"] = round(os.getloadavg()[0], 2)
    return out, spent
