"""Fit and predict on one OpenMP/BLAS thread; independent fits side by side, one thread each.

HistGradientBoosting's OpenMP threads spin while they wait; on a small, shared machine (2 cores, dbt
and other jobs beside us) that measured 14x slower wall and 19x more CPU than one thread. Leads are
scored in bulk, so one thread loses little even on an idle machine. Work that is independent (the
candidate families) uses the second core as Python threads, each held to one OpenMP/BLAS thread: a
fit's floats do not depend on what runs beside it (OpenMP reductions would depend on the thread count).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")


def single_threaded(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper


SIDE_BY_SIDE_WORKERS = 2


def side_by_side(calls: Sequence[Callable[[], R]], workers: int = SIDE_BY_SIDE_WORKERS) -> list[R]:
    """Each call's result, in order, from up to `workers` threads, every call on one OpenMP/BLAS thread
    (OpenMP's thread count is per calling thread: a new thread starts from the machine's default)."""
    if workers <= 1 or len(calls) <= 1:
        return [single_threaded(call)() for call in calls]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ptleads-fit") as pool:
        return list(pool.map(lambda call: single_threaded(call)(), calls))


class Workers:
    """Two worker threads for tasks with an order among them (a task may wait on one submitted
    before it: that one has started or finished by then, so nothing deadlocks); each task runs on
    one OpenMP/BLAS thread."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool

    def submit(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        return self._pool.submit(single_threaded(call), *args, **kwargs)


@contextmanager
def worker_pool(workers: int = SIDE_BY_SIDE_WORKERS) -> Iterator[Workers]:
    """Workers for the duration of the block (it waits for every task on exit)."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ptleads-fit") as pool:
        yield Workers(pool)
