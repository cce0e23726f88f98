"""Blocking stays selective (chance pairs of different people must not grow with the square of the
history) while the typo pairs each rule exists for are still compared."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
import pytest

from orchestration.identity import identity_config_for, score_pairs
from orchestration.settings import REPO_ROOT

# key, first, last, dob, phone  (synthetic people, not real-looking PHI; no email, no ZIP, every phone
# different: only the name and DOB rules can make a pair a candidate)
ROWS = [
    ("d0", "Robin", "Testerly", date(1975, 6, 12)),
    ("d1", "Robin", "Testerly", date(1975, 8, 12)),  # DOB typo in the month
    ("d2", "Robin", "Testerly", date(1975, 6, 17)),  # DOB typo in the day
    ("d3", "Robin", "Testerly", date(1975, 12, 6)),  # day and month swapped
    ("d4", "Rosa", "Testerly", date(1975, 9, 27)),  # same surname, initial and year: another person
    ("e0", "Cheryl", "Hernandez", date(1983, 4, 21)),
    ("e1", "Chreyl", "Henandez", date(1983, 4, 21)),  # typos in both names
    ("e2", "Quinn", "Harper", date(1983, 4, 21)),  # same surname initial and DOB, nothing else
    ("f0", "Virginia", "Johnson", date(1958, 11, 3)),
    ("f1", "Jennie", "Johnon", date(1958, 11, 3)),  # a nickname beside a surname typo
]


@pytest.fixture(scope="module")
def candidates() -> dict[frozenset[str], dict]:
    con = duckdb.connect()
    con.register(
        "recs",
        pa.table(
            {
                "record_key": [r[0] for r in ROWS],
                "person_key": [r[0] for r in ROWS],
                "event_at": [datetime(2025, 1, 1) for _ in ROWS],
                "first_name": [r[1] for r in ROWS],
                "last_name": [r[2] for r in ROWS],
                "dob": [r[3] for r in ROWS],
                "phone_e164": [f"+1512555{i:04d}" for i in range(len(ROWS))],
                "email": [None for _ in ROWS],
                "zip5": [None for _ in ROWS],
            }
        ),
    )
    scored = score_pairs(con, "recs", identity_config_for(REPO_ROOT / "config")).to_pylist()
    return {frozenset((r["person_key_l"], r["person_key_r"])): r for r in scored}


@pytest.mark.parametrize(("other", "level"), [("d1", "one_off"), ("d2", "one_off"), ("d3", "transposed")])
def test_a_dob_typo_with_the_same_surname_and_initial_is_compared(
    candidates: dict[frozenset[str], dict], other: str, level: str
) -> None:
    assert candidates[frozenset(("d0", other))]["dob"] == level


def test_same_surname_initial_and_birth_year_alone_is_no_candidate(
    candidates: dict[frozenset[str], dict],
) -> None:
    # month, day and the unordered (day, month) pair all differ: no one-digit typo or swap explains it
    assert not any("d4" in pair for pair in candidates)


def test_typos_in_both_names_and_a_nickname_beside_a_surname_typo_are_compared(
    candidates: dict[frozenset[str], dict],
) -> None:
    both = candidates[frozenset(("e0", "e1"))]
    assert (both["first_name"], both["last_name"], both["dob"]) == ("fuzzy", "fuzzy", "exact")
    nick = candidates[frozenset(("f0", "f1"))]
    assert (nick["first_name"], nick["last_name"], nick["dob"]) == ("nickname", "fuzzy", "exact")


def test_surname_initial_and_dob_alone_is_no_candidate(candidates: dict[frozenset[str], dict]) -> None:
    # another first initial and no shared canonical first name: a stranger born the same day
    assert frozenset(("e0", "e2")) not in candidates and frozenset(("e1", "e2")) not in candidates
