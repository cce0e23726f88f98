"""Pair scoring on hand-made records: nickname/typo/transposed-DOB matches, household hard negatives."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
import pytest

from orchestration.identity import cluster_nodes, identity_config_for, node_hashes, score_pairs
from orchestration.identity.clustering import ScoredPair
from orchestration.settings import REPO_ROOT

# key, first, last, dob, phone, email, zip  (synthetic people, not real-looking PHI)
ROWS = [
    ("r1", "William", "Testperson", date(1970, 3, 4), "+15125550001", "wt@example.test", "78704"),
    ("r2", "Bill", "Testperson", date(1970, 3, 4), "+15125550001", None, "78704"),  # nickname
    ("r3", "Wiliam", "Testpersn", date(1970, 4, 3), None, "wt@example.test", "78704"),  # typos, swapped d/m
    ("r4", "Mary", "Testperson", date(1972, 8, 9), "+15125550001", "wt@example.test", "78704"),  # spouse
    ("r5", "Ann", "Testperson", date(1990, 1, 1), None, None, "78704"),  # same surname + ZIP
    ("r6", "Ann", "Testperson", None, "+15125550009", None, "78704"),  # no DOB, other phone
    ("r7", "Kev", "Sampleton", None, "+15125550020", "ks@example.test", "78701"),  # nickname, no DOB
    ("r8", "Keevin", "Sampleton", date(1966, 8, 28), "+15125550020", "ks@example.test", "78701"),  # typo
    ("r9", "Al", "Sampleton", None, "+15125550020", None, "78701"),  # another short name, same phone
]


@pytest.fixture()
def scored() -> pa.Table:
    con = duckdb.connect()
    con.register(
        "recs",
        pa.table(
            {
                "record_key": [r[0] for r in ROWS],
                "person_key": [r[0] for r in ROWS],
                "event_at": [datetime(2025, 1, i + 1) for i in range(len(ROWS))],
                "first_name": [r[1] for r in ROWS],
                "last_name": [r[2] for r in ROWS],
                "dob": [r[3] for r in ROWS],
                "phone_e164": [r[4] for r in ROWS],
                "email": [r[5] for r in ROWS],
                "zip5": [r[6] for r in ROWS],
            }
        ),
    )
    return score_pairs(con, "recs", identity_config_for(REPO_ROOT / "config"))


def _pair(table: pa.Table, a: str, b: str) -> dict:
    for row in table.to_pylist():
        if {row["person_key_l"], row["person_key_r"]} == {a, b}:
            return row
    raise AssertionError(f"pair {a}-{b} was not a candidate")


def test_nickname_and_typo_variants_are_accepted(scored: pa.Table) -> None:
    assert _pair(scored, "r1", "r2")["first_name"] == "nickname"
    assert _pair(scored, "r1", "r2")["accepted"]
    r13 = _pair(scored, "r1", "r3")
    assert (r13["first_name"], r13["last_name"], r13["dob"]) == ("fuzzy", "fuzzy", "transposed")
    assert r13["accepted"]


def test_typo_of_a_nicknames_full_name_is_fuzzy_not_a_different_name(scored: pa.Table) -> None:
    row = _pair(scored, "r7", "r8")  # "keevin" is one edit from "kevin", which "kev" stands for
    assert row["first_name"] == "fuzzy"
    assert row["accepted"] and not row["vetoed"]


def test_short_names_are_not_fuzzy_through_their_full_names(scored: pa.Table) -> None:
    # "al" (albert, alan, ...) vs "kev" (kevin): no full name of one is a typo of the other's
    assert _pair(scored, "r7", "r9")["first_name"] == "else"


def test_household_member_sharing_phone_and_email_is_vetoed(scored: pa.Table) -> None:
    row = _pair(scored, "r1", "r4")
    assert row["phone"] == "exact" and row["email"] == "exact" and row["dob"] == "else"
    assert row["vetoed"] and not row["accepted"]


def test_same_surname_and_zip_is_not_a_match(scored: pa.Table) -> None:
    # Not even a candidate since blocking on (surname, ZIP) also needs a shared canonical first name.
    pairs = {frozenset((r["person_key_l"], r["person_key_r"])): r for r in scored.to_pylist()}
    assert not pairs.get(frozenset(("r1", "r5")), {}).get("accepted", False)
    assert frozenset(("r5", "r6")) in pairs  # same surname, ZIP and first name: still compared


def test_surname_zip_block_keeps_nicknames_with_a_dob_typo() -> None:
    """The (surname, ZIP) rule blocks on shared canonical first names: a nickname whose DOB has a typo in
    the year (no DOB rule holds; other initials) and no shared phone or email is still compared."""
    con = duckdb.connect()
    rows = [("a", "Robert", date(1961, 5, 7)), ("b", "Bob", date(1966, 5, 7))]
    con.register(
        "recs",
        pa.table(
            {
                "record_key": [r[0] for r in rows],
                "person_key": [r[0] for r in rows],
                "event_at": [datetime(2025, 1, 1), datetime(2025, 1, 2)],
                "first_name": [r[1] for r in rows],
                "last_name": ["Exampleton", "Exampleton"],
                "dob": [r[2] for r in rows],
                "phone_e164": [None, None],
                "email": [None, None],
                "zip5": ["78704", "78704"],
            }
        ),
    )
    pair = _pair(score_pairs(con, "recs", identity_config_for(REPO_ROOT / "config")), "a", "b")
    assert (pair["first_name"], pair["dob"]) == ("nickname", "one_off")


def test_clusters_keep_the_household_apart(scored: pa.Table) -> None:
    pairs = [
        ScoredPair(r["person_key_l"], r["person_key_r"], r["match_weight"], r["accepted"], r["vetoed"])
        for r in scored.to_pylist()
    ]
    clusters = cluster_nodes([r[0] for r in ROWS], pairs, -4.0)
    assert clusters["r1"] == clusters["r2"] == clusters["r3"]
    assert len({clusters["r1"], clusters["r4"], clusters["r5"]}) == 3


def _records(rows: list[tuple]) -> pa.Table:
    return pa.table(
        {
            "record_key": [r[0] for r in rows],
            "person_key": [r[1] for r in rows],
            "event_at": [datetime(2025, 1, 1) for _ in rows],
            "first_name": [r[2] for r in rows],
            "last_name": ["Sampleton" for _ in rows],
            "dob": [date(1980, 5, 6) for _ in rows],
            "phone_e164": ["+15125550030" for _ in rows],
            "email": [None for _ in rows],
            "zip5": ["78701" for _ in rows],
        }
    )


def test_incremental_scoring_equals_full_scoring_when_a_node_gains_a_record() -> None:
    """A node gains a record with a smaller key and the same identity fields: its profile hash is
    unchanged, so its pairs are reused, but they must name the node's current representative record."""
    config = identity_config_for(REPO_ROOT / "config")
    day1 = [("k5", "n1", "Dana"), ("k7", "n2", "Dana"), ("k9", "n3", "Dane")]
    day2 = [*day1, ("k1", "n1", "Dana")]
    con = duckdb.connect()
    con.register("day1", _records(day1))
    con.register("day2", _records(day2))
    con.register("pairs1", score_pairs(con, "day1", config))
    con.register("hashes1", node_hashes(con, "day1", config))
    incremental = score_pairs(con, "day2", config, ("pairs1", "hashes1")).to_pylist()
    fresh = duckdb.connect()
    fresh.register("day2", _records(day2))
    full = score_pairs(fresh, "day2", config).to_pylist()
    assert len(full) == 3
    assert {r["record_key_l"] for r in full if r["person_key_l"] == "n1"} == {"k1"}
    key = lambda r: (r["person_key_l"], r["person_key_r"])  # noqa: E731
    assert sorted(incremental, key=key) == sorted(full, key=key)
