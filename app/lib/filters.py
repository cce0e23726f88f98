"""The manager dashboards' shared filters: date range and clinics, kept in session state across pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from app.lib import queries
from app.lib.auth import User
from app.lib.page_context import clinic_names
from app.lib.snapshot import SnapshotInfo


@dataclass(frozen=True)
class DashboardFilters:
    start: date
    end: date
    clinic_ids: tuple[str, ...]  # () = all clinics the user may see
    names: dict[str, str]


def dashboard_filters(info: SnapshotInfo, user: User) -> DashboardFilters:
    """Date range + clinic pickers; stops the page when the snapshot holds no funnel rows."""
    path, published = str(info.path), info.published_at
    lo, hi = queries.funnel_date_bounds(path, published)
    if lo is None or hi is None:
        st.info("The snapshot holds no funnel rows yet.")
        st.stop()
    names = clinic_names(path, published, user)
    left, right = st.columns([2, 3])
    picked = left.date_input(
        "Received between", value=(lo, hi), min_value=lo, max_value=hi, key="funnel_dates"
    )
    chosen = right.multiselect(
        "Clinics",
        options=list(names),
        format_func=lambda c: names.get(c, c),
        placeholder="All clinics",
        key="funnel_clinics",
    )
    # While a range is being picked the widget returns one date; show up to that day until both are set.
    start: date = picked[0] if isinstance(picked, tuple) and picked else lo  # type: ignore[assignment]
    end: date = picked[1] if isinstance(picked, tuple) and len(picked) > 1 else hi  # type: ignore[assignment]
    scope = tuple(chosen) or user.clinic_scope
    return DashboardFilters(start, end, scope, names)  # type: ignore[arg-type]
