"""Fit and predict on one OpenMP/BLAS thread; independent fits side by side, one thread each; the one
big fit alone on every core only while the machine has idle cores.

HistGradientBoosting's OpenMP threads spin while they wait; on a small, shared machine (2 cores, dbt
and other jobs beside us) that measured 14x slower wall and 19x more CPU than one thread (h120, load 6-10:
a 100k conversion fit 14 s on one thread, 134-153 s on two): every split waits at a barrier for the
thread the scheduler put aside. Leads are scored in bulk, so one thread loses little even on an idle
machine. Work that is independent (the candidate families) uses the second core as Python threads, each
held to one OpenMP/BLAS thread.

The exception is `alone_threads`: training's longest fit (the conversion trees) may run alone on
several OpenMP threads, but only when it is big (the caller's cost bar), the sample of /proc/stat just
before it shows that many cores idle (another job's load on the second core keeps it at one thread) and
PTLEADS_FIT_THREADS does not fix the count. Near idle the conversion trees ran 1.5x (100k leads: 7.1 ->
4.7 s) to 1.8x (1M: 27.2 -> 14.9 s) faster on two threads; a job that starts during the fit costs the
two threads dearly (1M: 94.7 s when the machine filled up mid-fit), which the sample cannot foresee: set
PTLEADS_FIT_THREADS=1 where other jobs may start during training.
The trees' floats do not depend on the thread count in our scikit-learn (1.9): histograms are built
per feature, the split search per feature then compared in feature order, the partition of a node's
rows is stable, the gradients and predictions are per row, and the root's sums, the baseline and the
early-stopping loss are numpy sums (h120: trees, holdout scores and predict_proba np.array_equal on 1 and
2 threads at 100k and 1M). tests/ml pins this, so an upgrade that adds an OpenMP reduction fails there.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")

FIT_THREADS_ENV = "PTLEADS_FIT_THREADS"
IDLE_SAMPLE_S = 0.25
# a core counts as idle when other processes used less than this share of it during the sample
BUSY_SHARE_MAX = 0.5


def single_threaded(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper


SIDE_BY_SIDE_WORKERS = 2


def side_by_side(calls: Sequence[Callable[[], R]], workers: int = SIDE_BY_SIDE_WORKERS) -> list[R]:
    """Each call's result, in order, from up to `workers` threads, every call on one OpenMP/BLAS thread
    (OpenMP's thread count is per calling thread: a new thread starts from the machine's default).
    The calls start in order: put the longest first."""
    if workers <= 1 or len(calls) <= 1:
        return [single_threaded(call)() for call in calls]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ptleads-fit") as pool:
        return list(pool.map(lambda call: single_threaded(call)(), calls))


def on_threads(call: Callable[[], R], threads: int) -> R:
    """call() with `threads` OpenMP threads (BLAS keeps the caller's limit)."""
    with threadpool_limits(limits=threads, user_api="openmp"):
        return call()


def _cpu_jiffies(stat: str) -> tuple[int, int]:
    """(idle, total) jiffies of every CPU from /proc/stat's text (iowait counts as idle; guest time is
    already inside user)."""
    fields = [int(v) for v in stat.split("\n", 1)[0].split()[1:9]]
    return fields[3] + fields[4], sum(fields)


def idle_cores(sample_s: float = IDLE_SAMPLE_S, stat: Path = Path("/proc/stat")) -> float:
    """Cores left idle over the next `sample_s` seconds while this thread sleeps (0.0 where /proc/stat
    cannot be read): what other processes leave us."""
    try:
        idle_0, total_0 = _cpu_jiffies(stat.read_text())
        time.sleep(sample_s)
        idle_1, total_1 = _cpu_jiffies(stat.read_text())
    except (OSError, ValueError, IndexError):
        return 0.0
    if total_1 <= total_0:
        return 0.0
    return (os.cpu_count() or 1) * (idle_1 - idle_0) / (total_1 - total_0)


def alone_threads() -> int:
    """OpenMP threads for a big fit that runs alone: PTLEADS_FIT_THREADS when set, else the cores
    this process may run on (its affinity) that are idle now, at least 1."""
    fixed = os.environ.get(FIT_THREADS_ENV, "").strip()
    if fixed:
        return max(1, int(fixed))
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if usable <= 1:
        return 1
    idle = idle_cores()
    return max(1, min(usable, math.floor(idle + 1 - BUSY_SHARE_MAX)))
