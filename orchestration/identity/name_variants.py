"""Nickname -> canonical first names from the `nicknames` package (offline CSV shipped in the wheel)."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def name_canonical_rows() -> tuple[tuple[str, str], ...]:
    """(name, canonical) pairs, lower case, sorted; every name is also its own canonical. Two first names
    are nickname-equivalent when they share a canonical ("bill" and "will" share "william")."""
    text = files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    pairs: set[tuple[str, str]] = set()
    for row in csv.DictReader(text.splitlines()):
        canonical, nick = row["name1"].strip().lower(), row["name2"].strip().lower()
        if row["relationship"] != "has_nickname" or not canonical or not nick:
            continue
        pairs.update({(canonical, canonical), (nick, nick), (nick, canonical)})
    return tuple(sorted(pairs))
