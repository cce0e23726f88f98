"""Stop a local SparkSession and reap its JVM, so the JVM's CPU time reaches getrusage(RUSAGE_CHILDREN) of
this process (and, once this process is waited for, of its parent): pyspark starts the JVM with Popen and
never waits for it, which left the benchmark's CPU seconds without Spark's own work."""

from __future__ import annotations

import subprocess
from typing import Any


def stop_and_reap(session: Any, timeout_s: float = 120.0) -> bool:
    """`session.stop()`, then end the JVM pyspark launched and wait for it. True when it was reaped."""
    from pyspark import SparkContext

    proc = getattr(getattr(SparkContext, "_gateway", None), "proc", None)
    session.stop()
    if proc is None:
        return False
    if proc.stdin is not None:
        proc.stdin.close()  # pyspark's gateway JVM exits when its stdin closes
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:  # left to the OS; its CPU then goes uncounted
        return False
    return True
