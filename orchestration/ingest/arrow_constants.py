"""Arrow values the columnar parsers share, built on first use rather than at import: pyarrow imports
pandas at its first array or scalar made from Python values (~0.2-0.3 s of CPU). The pipeline's main
process imports every source module to define the ingest assets but parses nothing (the ingest runs in
its own process), and it does so while the ingest and dbt's warm-up hold the other core, before the
first dbt phase can start."""

from __future__ import annotations

import functools

import pyarrow as pa


@functools.cache
def null_text() -> pa.Scalar:
    """A null string scalar (pc.if_else's replacement for empty texts)."""
    return pa.scalar(None, pa.string())


@functools.cache
def sorted_strings(values: frozenset[str]) -> pa.Array:
    """`values` as a sorted string array (pc.is_in's value set)."""
    return pa.array(sorted(values), pa.string())
