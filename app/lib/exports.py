"""Downloads offered by the pages."""

from __future__ import annotations

import polars as pl


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV of a frame; list columns (e.g. reasons) are joined with '; ' so the CSV stays flat."""
    flat = frame.with_columns(
        [pl.col(c).list.join("; ") for c, t in frame.schema.items() if isinstance(t, pl.List)]
    )
    return flat.write_csv().encode("utf-8")
