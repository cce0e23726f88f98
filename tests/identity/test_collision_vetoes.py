"""Vetoes that keep chance collisions apart at 50k leads (same first name + DOB, a DOB typo, a namesake
without DOB) while married names and real typos still link through a phone/email that agrees."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa
import pytest

from orchestration.identity import identity_config_for, score_pairs
from orchestration.identity.config import IdentityConfig
from orchestration.settings import REPO_ROOT

# key, first, last, dob, phone, email, zip  (synthetic people, not real-looking PHI)
ROWS = [
    ("c1", "Dana", "Examplewood", date(1981, 2, 17), None, None, None),
    ("c2", "Dana", "Fictionburg", date(1981, 2, 17), None, None, None),  # namesake born the same day
    ("c3", "Dana", "Mockridge", date(1981, 2, 17), "+15125550101", None, None),  # c4 married
    ("c4", "Dana", "Samplecroft", date(1981, 2, 17), "+15125550101", None, "78705"),
    ("c5", "Robin", "Testerly", date(1975, 6, 12), None, None, None),
    ("c6", "Robin", "Testerly", date(1975, 6, 13), None, None, None),  # DOB one digit off, nothing else
    ("c7", "Robin", "Testerly", date(1975, 6, 14), "+15125550202", None, None),
    ("c8", "Robin", "Testerly", date(1975, 6, 15), "+15125550202", None, None),  # DOB typo, same phone
    ("c9", "Casey", "Demoford", None, "+15125550303", None, "78702"),
    ("c10", "Casey", "Demoford", date(1990, 9, 9), "+15125550304", None, "78702"),  # namesake, no DOB
    ("c11", "Jordan", "Placeholder", date(1994, 5, 24), None, None, None),
    ("c12", "Jodran", "Placehodler", date(1994, 5, 24), "+15125550401", None, "78665"),  # typos in both
    ("c13", "Morgan", "Stubfield", date(1960, 1, 2), "+15125550501", "morgan.s@example.test", "78703"),
    ("c14", "Morgan", "Stubfield", date(1960, 1, 2), "+15125550502", "stub60@example.test", "78703"),
]


@pytest.fixture(scope="module")
def config() -> IdentityConfig:
    return identity_config_for(REPO_ROOT / "config")


@pytest.fixture(scope="module")
def scored(config: IdentityConfig) -> list[dict]:
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
                "phone_e164": [r[4] for r in ROWS],
                "email": [r[5] for r in ROWS],
                "zip5": [r[6] for r in ROWS],
            }
        ),
    )
    return score_pairs(con, "recs", config).to_pylist()


def _pair(rows: list[dict], a: str, b: str) -> dict:
    for row in rows:
        if {row["person_key_l"], row["person_key_r"]} == {a, b}:
            return row
    raise AssertionError(f"pair {a}-{b} was not a candidate")


def test_same_first_name_and_dob_with_another_surname_and_nothing_else_is_vetoed(scored: list[dict]) -> None:
    row = _pair(scored, "c1", "c2")
    assert (row["first_name"], row["last_name"], row["dob"]) == ("exact", "else", "exact")
    assert row["vetoed"] and not row["accepted"]


def test_married_name_still_links_through_an_agreeing_phone(scored: list[dict]) -> None:
    row = _pair(scored, "c3", "c4")
    assert (row["last_name"], row["phone"]) == ("else", "exact")
    assert row["accepted"] and not row["vetoed"]


def test_dob_typo_needs_an_agreeing_phone_or_email(scored: list[dict]) -> None:
    alone = _pair(scored, "c5", "c6")
    assert alone["dob"] == "one_off" and alone["vetoed"] and not alone["accepted"]
    backed = _pair(scored, "c7", "c8")
    assert backed["dob"] == "one_off" and backed["phone"] == "exact"
    assert backed["accepted"] and not backed["vetoed"]


def test_namesake_without_dob_and_another_phone_is_vetoed(scored: list[dict]) -> None:
    row = _pair(scored, "c9", "c10")
    assert row["dob"] is None and row["phone"] == "else" and row["zip"] == "exact"
    assert row["vetoed"] and not row["accepted"]


def test_sql_vetoes_agree_with_the_python_rule(scored: list[dict], config: IdentityConfig) -> None:
    levels = ("first_name", "last_name", "dob", "phone", "email", "zip")
    assert any(r["vetoed"] for r in scored) and any(not r["vetoed"] for r in scored)
    for row in scored:
        assert config.is_vetoed({c: row[c] for c in levels}) == row["vetoed"]


def test_a_veto_listing_an_unknown_level_is_rejected(config: IdentityConfig) -> None:
    raw = config.model_dump()
    raw["vetoes"] = [{"dob": ["one_off", "typo"]}]
    with pytest.raises(ValueError, match="unknown comparison or level"):
        IdentityConfig.model_validate(raw)


def test_typos_in_both_names_are_blocked_together_on_initials_and_dob(scored: list[dict]) -> None:
    row = _pair(scored, "c11", "c12")  # no other blocking rule makes this pair a candidate
    assert (row["first_name"], row["last_name"], row["dob"]) == ("fuzzy", "fuzzy", "exact")
    assert row["accepted"]


def test_phone_and_email_both_different_is_another_person(scored: list[dict]) -> None:
    row = _pair(scored, "c13", "c14")
    assert (row["first_name"], row["last_name"], row["dob"]) == ("exact", "exact", "exact")
    assert (row["phone"], row["email"]) == ("else", "else")
    assert row["vetoed"] and not row["accepted"]
