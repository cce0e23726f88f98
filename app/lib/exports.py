"""Downloads offered by the pages; every download is written to the audit log when clicked."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.lib import audit
from app.lib.auth import User


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV of a frame; list columns (e.g. reasons) are joined with '; ' so the CSV stays flat."""
    flat = frame.with_columns(
        [pl.col(c).list.join("; ") for c, t in frame.schema.items() if isinstance(t, pl.List)]
    )
    return flat.write_csv().encode("utf-8")


def export_button(label: str, frame: pl.DataFrame, file_name: str, user: User, key: str) -> None:
    """A CSV download whose click is audited (who, when, which file, how many rows)."""
    st.download_button(
        label,
        data=csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click=audit.record,
        args=(user, "export", file_name, f"{frame.height} rows"),
    )
