"""The app's heaviest dashboard queries on the published snapshot, through app/lib/queries (the same
SQL the pages run). Each call gets a fresh `published_at`, so Streamlit's cache never answers."""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from datetime import date

from orchestration.settings import Settings

QueryCall = Callable[[str, str, date, date], object]


def _candidates() -> dict[str, QueryCall]:
    from app.lib import queries as q

    return {
        "funnel_by_referrer": lambda path, pub, lo, hi: q.funnel_by_dimension(path, pub, "referrer", lo, hi),
        "speed_weekly": lambda path, pub, lo, hi: q.speed_weekly(path, pub, lo, hi),
        "leaked_leads_segment": lambda path, pub, lo, hi: q.leads_in_segment(
            path, pub, lo, hi, leaked_as_of=q.datetime.combine(hi, q.datetime.min.time())
        ),
        "funnel_daily": lambda path, pub, lo, hi: q.funnel_daily(path, pub, lo, hi),
        "call_list": lambda path, pub, lo, hi: q.call_list(path, pub),
    }


def time_queries(settings: Settings, repeat: int = 3) -> dict[str, object]:
    """Median seconds of each candidate over the whole history; the three slowest are named."""
    warnings.filterwarnings("ignore")  # st.cache_data outside a Streamlit run warns once per call
    path = str(settings.snapshot)
    hi = settings.as_of.date()
    lo = date(hi.year - 5, 1, 1)
    timings: dict[str, float] = {}
    for name, call in _candidates().items():
        runs = []
        for attempt in range(repeat + 1):
            started = time.perf_counter()
            call(path, f"bench-{name}-{attempt}-{time.monotonic_ns()}", lo, hi)
            runs.append(time.perf_counter() - started)
        timings[name] = round(statistics.median(runs[1:]), 4)  # the first pays imports and file open
    heaviest = sorted(timings, key=timings.__getitem__, reverse=True)[:3]
    return {"median_s": timings, "heaviest": heaviest}
