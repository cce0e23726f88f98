"""PHI masking for roles that must not see it (analysts): values are replaced, not just hidden, so
a masked frame can be exported or screenshotted safely."""

from __future__ import annotations

import polars as pl

# Columns that hold PHI in any frame the app shows (dim_persons, fax extractions, eligibility).
PHI_COLUMNS = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "name",
        "dob",
        "phone",
        "phone_e164",
        "email",
        "address",
        "member_id",
        "note",
        "zip5",
        "zip",
    }
)
MASK = "•••"


def mask_value(value: object) -> str | None:
    return None if value is None else MASK


def mask_frame(frame: pl.DataFrame, masked: bool) -> pl.DataFrame:
    """The frame with every PHI column replaced by a mask string when `masked`."""
    if not masked:
        return frame
    cols = [c for c in frame.columns if c in PHI_COLUMNS]
    return frame.with_columns(
        [pl.when(pl.col(c).is_null()).then(None).otherwise(pl.lit(MASK)).alias(c) for c in cols]
    )


def mask_mapping(values: dict[str, object], masked: bool) -> dict[str, object]:
    if not masked:
        return values
    return {k: (mask_value(v) if k in PHI_COLUMNS else v) for k, v in values.items()}
