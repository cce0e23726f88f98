"""How likely a string is to be a person's surname or given name, from the 1990 US Census lists.

The `names` package ships the Census Bureau's 1990 frequency lists (88,799 surnames covering ~90% of
people; 1,219 male and 4,275 female given names): name, percent of people, cumulative percent, rank.
A listed name's probability is its frequency. The surname list rounds every name past rank ~18,800
to 0.000%, so those get a power-law tail fitted to the mass the cumulative column leaves for them.
A string that is not listed gets the unlisted mass (~10%) times a letter-trigram model of names:
"Kowalczyk" looks like a name, "Clalr" does not. This is a real-world prior, independent of any
generator's name pool.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

UNLISTED_MASS = 0.1  # the Census lists cover ~90% of people
_ALPHABET = 27  # a-z and the end mark


@dataclass(frozen=True, slots=True)
class CensusEntry:
    name: str  # lower case, letters only (the Census drops spaces and apostrophes: "oneill")
    percent: float
    rank: int


def read_census_list(path: Path) -> list[CensusEntry]:
    out = []
    for line in path.read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) == 4:
            out.append(CensusEntry(parts[0].lower(), float(parts[1]), int(parts[3])))
    return out


def _tail_exponent(first_rank: int, last_rank: int, start_percent: float, mass: float) -> float:
    """Exponent a with sum over ranks r in (first, last] of start * (first / r)^a equal to `mass`."""
    ranks = np.arange(first_rank + 1, last_rank + 1, dtype=np.float64)
    lo, hi = 0.5, 6.0
    for _ in range(50):
        a = (lo + hi) / 2
        total = float((start_percent * (first_rank / ranks) ** a).sum())
        lo, hi = (a, hi) if total > mass else (lo, a)
    return (lo + hi) / 2


class NamePrior:
    """P(name) for listed names, UNLISTED_MASS x letter-trigram probability for anything else."""

    def __init__(self, entries: list[CensusEntry]) -> None:
        self.prob: dict[str, float] = {}
        listed = [e for e in entries if e.percent > 0]
        unrounded = [e for e in entries if e.percent == 0]
        for e in listed:
            self.prob[e.name] = max(self.prob.get(e.name, 0.0), e.percent / 100)
        if unrounded and listed:
            last = max(listed, key=lambda e: e.rank)
            covered = sum(e.percent for e in entries if e.percent > 0)
            # The list as a whole covers (100 - UNLISTED_MASS)% of people; the rounded-away ranks share
            # what the listed percentages leave of it.
            tail_mass = max(0.0, 100 * (1 - UNLISTED_MASS) - covered)
            end = max(e.rank for e in unrounded)
            a = _tail_exponent(last.rank, end, last.percent, tail_mass) if tail_mass > 0 else 3.0
            for e in unrounded:
                self.prob.setdefault(e.name, last.percent * (last.rank / e.rank) ** a / 100)
        self._trigram = _train_trigrams(list(self.prob))

    def is_listed(self, name: str) -> bool:
        return _letters(name) in self.prob

    def probability(self, name: str) -> float:
        key = _letters(name)
        if key in self.prob:
            return self.prob[key]
        return UNLISTED_MASS * math.exp(self._trigram(key))

    def listed_probability(self, name: str) -> float:
        return self.prob.get(_letters(name), 0.0)


def _letters(name: str) -> str:
    return "".join(c for c in name.lower() if "a" <= c <= "z")


def _train_trigrams(names: list[str]):  # type: ignore[no-untyped-def]
    """Letter-trigram log-probability (add-one smoothing) over name *types*: rare names are what an
    unlisted name resembles, so every listed name counts once, whatever its frequency."""
    tri: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    for n in names:
        padded = f"^^{n}$"
        for i in range(2, len(padded)):
            tri[padded[i - 2 : i + 1]] += 1
            bi[padded[i - 2 : i]] += 1

    def logprob(name: str) -> float:
        padded = f"^^{name}$"
        return sum(
            math.log((tri[padded[i - 2 : i + 1]] + 1) / (bi[padded[i - 2 : i]] + _ALPHABET))
            for i in range(2, len(padded))
        )

    return logprob


def _names_dir() -> Path:
    import names

    return Path(names.__file__).parent


@lru_cache(maxsize=1)
def surname_prior() -> NamePrior:
    return NamePrior(read_census_list(_names_dir() / "dist.all.last"))


@lru_cache(maxsize=1)
def given_name_prior() -> NamePrior:
    """Male and female lists pooled: each percent is of its own sex, so halve it."""
    entries = [
        CensusEntry(e.name, e.percent / 2, e.rank)
        for f in ("dist.male.first", "dist.female.first")
        for e in read_census_list(_names_dir() / f)
    ]
    merged: dict[str, CensusEntry] = {}
    for e in entries:  # a name on both lists (Jean, Terry) sums its two halves
        old = merged.get(e.name)
        merged[e.name] = CensusEntry(e.name, e.percent + (old.percent if old else 0.0), e.rank)
    return NamePrior(list(merged.values()))
