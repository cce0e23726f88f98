"""Snap the payer text read off a fax to a configured payer (config/payers.yaml names and aliases).

OCR misreads payer names ("Aetna PPo", "Blue Cr0ss", "UnitedHealthcare" for "United Healthcare");
matching the folded text against every name and alias recovers the canonical payer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

_FOLD = str.maketrans({"0": "o", "1": "i", "l": "i", "|": "i"})


def load_payer_aliases(path: Path) -> dict[str, str]:
    """alias (and canonical name) -> canonical payer name, from a payers.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, str] = {}
    for payer in data.get("payers", []):
        for alias in [payer["name"], *payer.get("aliases", [])]:
            out[str(alias)] = str(payer["name"])
    return out


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower()).translate(_FOLD)


def canonical_payer(text: str, aliases: Mapping[str, str], cutoff: float = 86) -> tuple[str, float] | None:
    """(canonical name, match score 0..1) for the closest alias, or None when nothing is close."""
    if not text or not aliases:
        return None
    keys = {_key(alias): name for alias, name in aliases.items()}
    # A capital H is often read as "Il" ("Ilumana"): try the reading with that undone as well.
    readings = {text, re.sub(r"\bI[l1|]", "H", text)}
    found = [
        process.extractOne(_key(t), list(keys), scorer=fuzz.ratio, score_cutoff=cutoff) for t in readings
    ]
    best = max((f for f in found if f is not None), key=lambda f: f[1], default=None)
    if best is None:
        return None
    return keys[best[0]], best[1] / 100
