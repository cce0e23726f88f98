"""What every page does first: find the snapshot, or explain why there is nothing to show."""

from __future__ import annotations

import streamlit as st

from app.lib.snapshot import NO_SNAPSHOT_MESSAGE, SnapshotInfo, freshness, read_snapshot_info, snapshot_path


def require_snapshot() -> SnapshotInfo:
    """The published snapshot's info; stops the page with a clear message when none exists yet."""
    info = read_snapshot_info(snapshot_path())
    if info is None:
        st.info(NO_SNAPSHOT_MESSAGE)
        st.stop()
    as_of = info.as_of.strftime("%Y-%m-%d %H:%M UTC") if info.as_of else "unknown"
    st.caption(f"Data as of {as_of} · {freshness(info.published_at)}")
    return info  # type: ignore[return-value]  # st.stop() never returns
