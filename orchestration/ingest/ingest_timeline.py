"""Opt-in record of when ingestion's processes are busy: the parent's waits on parse results and its
DuckDB writes, and each parse task's interval in its worker. The benchmark turns it on to show how much
the parent and the two workers overlap (wall ~= CPU means they take turns); off, every call is one test
of a module global.

Times are time.monotonic(): CLOCK_MONOTONIC on Linux, one clock for every process of the machine, so the
workers' intervals line up with the parent's.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """kind: "parse" (a worker task, or an in-process parse), "wait" (the parent blocked on a result),
    "write" (the parent inserting or committing); label: the source; pid: the process."""

    kind: str
    label: str
    pid: int
    start: float
    end: float


_RECORD: list[Interval] | None = None
_LABEL = ""


def start() -> None:
    global _RECORD
    _RECORD = []


def stop() -> list[Interval]:
    global _RECORD
    out, _RECORD = _RECORD or [], None
    return out


def on() -> bool:
    return _RECORD is not None


def set_label(label: str) -> None:
    global _LABEL
    _LABEL = label


def add(kind: str, start: float, end: float, pid: int | None = None) -> None:
    if _RECORD is not None:
        _RECORD.append(Interval(kind, _LABEL, os.getpid() if pid is None else pid, start, end))


@contextlib.contextmanager
def span(kind: str) -> Iterator[None]:
    if _RECORD is None:
        yield
        return
    started = time.monotonic()
    try:
        yield
    finally:
        add(kind, started, time.monotonic())


def busy_seconds(intervals: list[Interval], kind: str, pid: int | None = None) -> float:
    """Seconds covered by the intervals of `kind` (of process `pid`), overlaps counted once."""
    chosen = sorted((i.start, i.end) for i in intervals if i.kind == kind and (pid is None or i.pid == pid))
    total, reach = 0.0, float("-inf")
    for begin, end in chosen:
        if end <= reach:
            continue
        total += end - max(begin, reach)
        reach = end
    return total
