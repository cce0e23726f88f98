"""macros/latest_rows.sql: the staging views' "latest row of each record" read through
staging_state.raw_repeated_ids keeps exactly the rows the plain window keeps, after any history of appends
(also back-dated ones), deletes and refreshes (the on-run-start hook's SQL, rendered by the macro itself
against the same DuckDB).

The macros are rendered with plain Jinja and dbt's semantics for what they use: `return` ends the macro with
a value, `run_query` runs on the warehouse, `execute` is true, and no `adapter` is defined (DuckDB's form)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import jinja2
import jinja2.runtime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.settings import REPO_ROOT

MACROS = (REPO_ROOT / "dbt_project" / "macros" / "latest_rows.sql").read_text(encoding="utf-8")
TABLE = "calls_log"  # one of latest_rows_tables()
WHERE = "started_at <= 5"
ORDER = "updated desc nulls last, ingested_at desc"


class _Returned(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


def _return(value: object) -> None:
    raise _Returned(value)


@pytest.fixture(autouse=True)
def dbt_return(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """dbt's `return`: a macro call evaluates to the value returned (MacroGenerator catches it)."""
    original = jinja2.runtime.Macro.__call__

    def call(self: jinja2.runtime.Macro, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except _Returned as returned:
            return returned.value

    monkeypatch.setattr(jinja2.runtime.Macro, "__call__", call)
    yield


@dataclass
class _Result:
    rows: list[tuple[object, ...]]


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise ValueError(message)


def render(con: duckdb.DuckDBPyConnection, call: str) -> str:
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    env.globals.update(
        execute=True,
        run_query=lambda sql: _Result(con.execute(sql).fetchall()),
        exceptions=_Exceptions,
        **{"return": _return},
    )
    return env.from_string(MACROS + call).render().strip()


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    sql = render(con, "{{ refresh_repeated_ids() }}")
    if sql:
        con.execute(sql)


def view(con: duckdb.DuckDBPyConnection, where: bool) -> str:
    body = "{% call latest_rows('raw." + TABLE + "', '" + TABLE + "', order='" + ORDER + "') %}"
    body += WHERE + "{% endcall %}"
    if not where:
        body = "{{ latest_rows('raw." + TABLE + "', '" + TABLE + "', order='" + ORDER + "') }}"
    return render(con, body)


def window(where: bool) -> str:
    return (
        f"select * from raw.{TABLE} as raw_rows {'where ' + WHERE if where else ''} "
        f"qualify row_number() over (partition by source_record_id order by {ORDER}) = 1"
    )


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"create schema raw; create table raw.{TABLE} (source_record_id varchar, started_at int, "
        "updated int, ingested_at timestamp, payload int)"
    )
    return con


# One step of a history: a batch appended at the clock (or back-dated before it), rows deleted, or a refresh.
row = st.tuples(
    st.one_of(st.none(), st.sampled_from("abcdefg")),  # source_record_id
    st.integers(0, 8),  # started_at
    st.one_of(st.none(), st.integers(0, 3)),  # updated
)
step = st.one_of(
    st.tuples(st.just("append"), st.lists(row, min_size=1, max_size=6), st.booleans()),
    st.tuples(st.just("delete"), st.sampled_from("abcdefg"), st.just(False)),
    st.tuples(st.just("refresh"), st.just(None), st.just(False)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(step, max_size=12))
def test_the_view_keeps_the_windows_rows_after_any_history(history: list[tuple[str, Any, bool]]) -> None:
    con = warehouse()
    clock, back_clock, payload = 100, 99, 0
    for kind, arg, back_dated in history:
        if kind == "append":
            # A back-dated batch lands before everything (a clock set back), at an instant of its own as any
            # batch does: rows deleted and as many back-dated at the very instants they had are what the
            # marks' fingerprint cannot tell apart (macros/latest_rows.sql).
            if back_dated:
                at, back_clock = back_clock, back_clock - 1
            else:
                at, clock = clock, clock + 1
            for source_record_id, started_at, updated in arg:
                payload += 1  # tells the rows of one batch apart
                con.execute(
                    f"insert into raw.{TABLE} values (?, ?, ?, to_timestamp(?)::timestamp, ?)",
                    [source_record_id, started_at, updated, at, payload],
                )
        elif kind == "delete":
            con.execute(f"delete from raw.{TABLE} where source_record_id = ?", [arg])
        else:
            refresh(con)
    refresh(con)  # every dbt invocation starts with one
    # The window's pick among rows tied on every order key is arbitrary: compare ids and order keys only
    # where ties exist, whole rows otherwise.
    tied = con.execute(
        f"select count(*) from (select 1 from raw.{TABLE} group by source_record_id, updated, ingested_at "
        "having count(*) > 1)"
    ).fetchone()[0]
    columns = "source_record_id, updated, ingested_at" if tied else "*"
    for where in (True, False):
        assert rows(con, f"select {columns} from ({view(con, where)})") == rows(
            con, f"select {columns} from ({window(where)})"
        )
    repeated = {
        r[0]
        for r in con.execute(
            f"select source_record_id from raw.{TABLE} where source_record_id is not null "
            "group by 1 having count(*) > 1"
        ).fetchall()
    }
    kept = {
        r[0] for r in con.execute("select source_record_id from staging_state.raw_repeated_ids").fetchall()
    }
    assert repeated <= kept


def test_a_refresh_with_nothing_new_writes_nothing() -> None:
    con = warehouse()
    con.execute(f"insert into raw.{TABLE} values ('a', 1, null, timestamp '2026-01-01', 1)")
    con.execute(f"insert into raw.{TABLE} values ('a', 1, null, timestamp '2026-01-02', 2)")
    refresh(con)
    assert con.execute("select * from staging_state.raw_repeated_ids").fetchall() == [(TABLE, "a")]
    assert render(con, "{{ refresh_repeated_ids() }}") == ""  # the mark covers every row
    con.execute(f"insert into raw.{TABLE} values ('b', 1, null, timestamp '2026-01-03', 3)")
    increment = render(con, "{{ refresh_repeated_ids() }}")
    # only the new rows' ids are looked up
    assert "ingested_at > timestamp '2026-01-02 00:00:00'" in increment
    assert "delete from staging_state.raw_repeated_ids" not in increment


def test_rows_deleted_and_as_many_back_dated_are_searched_whole() -> None:
    """The history hypothesis found: as many rows deleted at or before the mark as back-dated ones added
    leave the count there unchanged; the fingerprint tells, and the new repeated id is found."""
    con = warehouse()
    for record_id, at in (("a", 100), ("a", 100), ("c", 100)):
        con.execute(
            f"insert into raw.{TABLE} values (?, 0, null, to_timestamp(?)::timestamp, 1)", [record_id, at]
        )
    refresh(con)
    con.execute(f"delete from raw.{TABLE} where source_record_id = 'a'")
    for record_id, at in ((None, 101), (None, 99), ("c", 99)):
        con.execute(
            f"insert into raw.{TABLE} values (?, 0, null, to_timestamp(?)::timestamp, 2)", [record_id, at]
        )
    refresh(con)
    kept = con.execute("select source_record_id from staging_state.raw_repeated_ids").fetchall()
    assert kept == [("c",)]
    assert rows(con, f"select * from ({view(con, False)})") == rows(con, window(False))


def test_the_ids_stay_out_of_the_published_ref_schema() -> None:
    """publish copies ref to the app's snapshot: the refresh keeps its tables elsewhere and drops the copies
    2254744 left in ref."""
    con = warehouse()
    con.execute("create schema ref")
    con.execute("create table ref.raw_repeated_ids (raw_table varchar, source_record_id varchar)")
    con.execute(
        "create table ref.raw_repeated_marks (raw_table varchar, watermark timestamp, row_count bigint)"
    )
    con.execute(f"insert into raw.{TABLE} values ('a', 1, null, timestamp '2026-01-01', 1)")
    refresh(con)
    left = con.execute("select table_name from duckdb_tables() where schema_name = 'ref'").fetchall()
    assert left == []
    assert con.execute("select raw_table from staging_state.raw_repeated_marks").fetchall() == [(TABLE,)]


def test_a_table_outside_the_list_is_refused() -> None:
    with pytest.raises(ValueError, match="latest_rows_tables"):
        render(warehouse(), "{{ latest_rows('raw.other', 'other') }}")
