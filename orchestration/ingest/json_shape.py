"""Shape gate for vectorised JSON Lines parsing: does every line look the way the fast path assumes?

A fast path reads JSON with DuckDB's `json_transform`, which silently casts (a number read as VARCHAR) and
turns a misfit into NULL, where the per-record Python path would raise, skip or keep a different type.
So before using it, the distinct `json_structure` of all lines is checked against the shape the fast path
reads: every path it uses must hold the expected JSON type (or null for scalars), containers never null.
Anything else (conflicting types merged to "JSON", a number where text is expected) means "not sure":
the caller hands the file to the per-record path.
"""

from __future__ import annotations

import json
import re
from typing import Any

# DuckDB's json_structure names for JSON scalars accepted per expected transform type.
_SCALARS: dict[str, frozenset[str]] = {
    "VARCHAR": frozenset({"VARCHAR", "NULL"}),
    "BOOLEAN": frozenset({"BOOLEAN", "NULL"}),
    "HUGEINT": frozenset({"BIGINT", "UBIGINT", "NULL"}),
}
# A null inside an array (`[null`, `, null`): json_structure merges it away, the Python path trips on it.
# Outside arrays a comma is always followed by a key, so this only over-matches inside strings (harmless:
# the file then takes the per-record path).
NULL_IN_ARRAY = re.compile(r"[\[,]\s*null\b")


Shape = str | dict[str, "Shape"] | list["Shape"]


def fits(structure: Any, shape: Shape) -> bool:
    """True when a parsed `json_structure` value fits the shape (keys the shape does not name are free)."""
    if isinstance(shape, str):
        return isinstance(structure, str) and structure in _SCALARS[shape]
    if isinstance(shape, dict):
        return isinstance(structure, dict) and all(
            key not in structure or fits(structure[key], sub) for key, sub in shape.items()
        )
    # A list: "NULL" element = only empty lists (null elements are caught by NULL_IN_ARRAY).
    return (
        isinstance(structure, list)
        and len(structure) == 1
        and (structure[0] == "NULL" or fits(structure[0], shape[0]))
    )


def all_fit(structures: list[str], shape: Shape) -> bool:
    return all(fits(json.loads(s), shape) for s in structures)


def transform_type(shape: Shape) -> str:
    """The `json_transform` type string of a shape (scalars as named, objects as structs, lists as lists)."""
    return json.dumps(shape, separators=(",", ":"))
