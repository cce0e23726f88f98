"""dbt macros rendered with plain Jinja and run on DuckDB, checked against the Python reference."""

from __future__ import annotations

import duckdb
import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.npi import is_valid_npi, npi_check_digit
from orchestration.settings import REPO_ROOT

MACROS = REPO_ROOT / "dbt_project" / "macros"
CON = duckdb.connect()


def render(macro_file: str, call: str) -> str:
    env = jinja2.Environment()
    template = env.from_string((MACROS / macro_file).read_text() + "{{ " + call + " }}")
    return template.render().strip()


NPI_SQL = render("npi_is_valid.sql", "npi_is_valid('v')")
E164_SQL = render("to_e164.sql", "to_e164('v')")
HAVERSINE_SQL = render("haversine_km.sql", "haversine_km('lat1', 'lon1', 'lat2', 'lon2')")


def _eval(sql: str, value: object) -> object:
    return CON.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0]


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9))
def test_npi_macro_matches_python(base: str, check: int) -> None:
    npi = base + str(check)
    assert _eval(NPI_SQL, npi) == is_valid_npi(npi)


def test_npi_macro_known_values() -> None:
    good = "123456789" + str(npi_check_digit("123456789"))
    assert good == "1234567893"
    assert _eval(NPI_SQL, good) is True
    assert _eval(NPI_SQL, "1234567890") is False
    assert _eval(NPI_SQL, None) is False
    assert _eval(NPI_SQL, "12345") is False


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(512) 555-0142", "+15125550142"),
        ("512.555.0142", "+15125550142"),
        ("+1 512 555 0142", "+15125550142"),
        ("15125550142", "+15125550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("555-0142", None),
        ("", None),
        (None, None),
    ],
)
def test_to_e164(raw: str | None, e164: str | None) -> None:
    assert _eval(E164_SQL, raw) == e164


def test_haversine_austin_to_round_rock() -> None:
    km = CON.execute(
        f"SELECT {HAVERSINE_SQL} "
        "FROM (SELECT 30.2428 AS lat1, -97.7658 AS lon1, 30.5145 AS lat2, -97.668 AS lon2)"
    ).fetchone()[0]
    assert 31 < km < 33
