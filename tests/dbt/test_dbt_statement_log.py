"""The opt-in dbt statement log: every statement timed (a hook's one by one), no string literal written."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt.adapters.duckdb.environments.local import DuckDBCursorWrapper

from orchestration.transform import dbt_statement_log
from orchestration.transform.dbt_statement_log import STATEMENT_LOG_ENV, install_from_env, masked


def test_masked_drops_literals_and_the_query_comment() -> None:
    sql = "/* {\"node_id\": \"model.p.m\"} */ select * from t where name = 'O''Brien' "
    sql += "and phone in ('+1555')"
    assert masked(sql) == "select * from t where name = '?' and phone in ('?')"


def test_off_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STATEMENT_LOG_ENV, raising=False)
    assert install_from_env() is False


def test_statements_and_hook_parts_are_timed_per_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "statements.jsonl"
    monkeypatch.setenv(STATEMENT_LOG_ENV, str(log))
    # restored when the test ends
    monkeypatch.setattr(DuckDBCursorWrapper, "execute", DuckDBCursorWrapper.execute)
    assert install_from_env() is True
    assert install_from_env() is True  # installed once
    cursor = DuckDBCursorWrapper(duckdb.connect().cursor())
    comment = '/* {"app": "dbt", "node_id": "model.ptleads.m"} */ '
    cursor.execute(comment + "create table t as select 'Jane Doe' as name; insert into t values ('John Roe')")
    assert cursor.execute("select count(*) from t where name != ?", ["x"]).fetchone()[0] == 2
    with pytest.raises(duckdb.CatalogException):  # what the wrapped execute raises for it too
        cursor.execute(comment + "select 1; select * from missing_table")
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["node"] for r in rows] == ["model.ptleads.m"] * 5
    assert [r["sql"].split()[0] for r in rows] == ["create", "insert", "select", "select", "select"]
    text = log.read_text()
    assert "Jane" not in text and "John" not in text and "node_id" not in rows[0]["sql"]
    assert all(r["seconds"] >= 0 and r["cpu_seconds"] >= 0 for r in rows)
    assert len(rows[0]["sql"]) <= dbt_statement_log.SQL_CHARS
