"""The contract of marts.call_list, checked in Python after every write.

Why the engine owns marts.call_list (and no dbt model does): the call list is the engine's output, and
the engine runs after dbt phase 2 because it reads the scored fct_leads. A dbt model reading the
engine's table could only run in dbt phase 3, after the list is written and pushed (too late to stop a
broken list), or would build from a previous run's table; a dbt model computing its own list was the
second, diverging list we replaced.
So the contract dbt used to enforce (columns, types, order; lead_id unique, not null, in fct_leads)
is enforced here instead, on the table as written, and a breach fails the run before publishing.
"""

from __future__ import annotations

import duckdb

# CONTRACTS.md columns, in order and with their types; the engine's extra columns follow them.
CALL_LIST_CONTRACT: tuple[tuple[str, str], ...] = (
    ("lead_id", "VARCHAR"),
    ("clinic_id", "VARCHAR"),
    ("action", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("due_at", "TIMESTAMP"),
    ("owner_role", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("script", "VARCHAR"),
    ("priority_tier", "VARCHAR"),
    ("score", "DOUBLE"),
    ("expected_value", "DOUBLE"),
    ("rank", "INTEGER"),
)


class CallListContractError(RuntimeError):
    """marts.call_list does not hold to its contract (message names the rule, never a row's PHI)."""


def contract_breaches(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> list[str]:
    """Every way marts.call_list breaks its contract (empty when it holds)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = 'call_list' order by ordinal_position",
        [schema],
    ).fetchall()
    if not columns:
        return [f"{schema}.call_list does not exist"]
    breaches: list[str] = []
    head = [(name, kind.upper()) for name, kind in columns[: len(CALL_LIST_CONTRACT)]]
    if head != list(CALL_LIST_CONTRACT):
        breaches.append(f"columns {head} are not the contract {list(CALL_LIST_CONTRACT)}")
        return breaches
    nulls, dupes, ranks = con.execute(
        f"select count(*) filter (where lead_id is null or clinic_id is null or action is null "
        f"or due_at is null or owner_role is null), count(lead_id) - count(distinct lead_id), "
        f"count(*) filter (where rank is null or rank < 1) from {schema}.call_list"
    ).fetchone()
    if nulls:
        breaches.append(f"{nulls} rows miss lead_id, clinic_id, action, due_at or owner_role")
    if dupes:
        breaches.append(f"{dupes} duplicate lead_id rows (one action per lead)")
    if ranks:
        breaches.append(f"{ranks} rows without a positive rank")
    has_leads = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'fct_leads'",
        [schema],
    ).fetchone()[0]
    if has_leads:
        orphans = con.execute(
            f"select count(*) from {schema}.call_list c anti join {schema}.fct_leads l using (lead_id)"
        ).fetchone()[0]
        if orphans:
            breaches.append(f"{orphans} lead_id values not in {schema}.fct_leads")
    return breaches


def check_call_list_contract(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> None:
    """Raise CallListContractError naming every breach."""
    breaches = contract_breaches(con, schema)
    if breaches:
        raise CallListContractError("marts.call_list breaks its contract: " + "; ".join(breaches))
