"""Fit and predict on one OpenMP/BLAS thread.

HistGradientBoosting's OpenMP threads spin while they wait; on a small, shared machine (2 cores, dbt
and other jobs beside us) that measured 14x slower wall and 19x more CPU than one thread. Leads are
scored in bulk, so one thread loses little even on an idle machine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
