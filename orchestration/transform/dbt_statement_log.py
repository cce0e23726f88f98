"""Opt-in timing of every SQL statement dbt sends to DuckDB, for profiling a run (issue 8: the 1M-lead day).

With PTLEADS_DBT_STATEMENT_LOG=<file> set, each statement a dbt process (ptleads-dbt, dbt_entry.run) executes
appends one JSON line: the dbt node it belongs to, wall and CPU seconds, and its first characters with every
string literal masked ('?'), so no record id, name or phone reaches the file. A multi-statement string (a
hook) is timed statement by statement. The node is the last one named by dbt's query comment: Python models'
statements carry none and count under the node before them. `benchmarks/dbt_statement_profile.py` sums a log.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

STATEMENT_LOG_ENV = "PTLEADS_DBT_STATEMENT_LOG"
SQL_CHARS = 300
_NODE = re.compile(r'"node_id": "([^"]+)"')
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def masked(sql: str, limit: int = SQL_CHARS) -> str:
    """The statement without dbt's query comment, string literals as '?', whitespace collapsed, cut."""
    return " ".join(_LITERAL.sub("'?'", _COMMENT.sub(" ", sql)).split())[:limit]


class _StatementLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.node = ""

    def note_node(self, sql: str) -> None:
        found = _NODE.search(sql[:500])
        if found:
            self.node = found.group(1)

    def timed(self, run: Any, sql: str) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return run()
        finally:
            line = {
                "node": self.node,
                "seconds": round(time.perf_counter() - started, 4),
                "cpu_seconds": round(time.process_time() - cpu, 4),
                "sql": masked(sql),
            }
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")


def install_from_env() -> bool:
    """Wrap dbt-duckdb's cursor when PTLEADS_DBT_STATEMENT_LOG names a file; True when it did."""
    target = os.environ.get(STATEMENT_LOG_ENV)
    if not target:
        return False
    from dbt.adapters.duckdb.environments.local import DuckDBCursorWrapper
    from dbt_common.exceptions import DbtRuntimeError

    if getattr(DuckDBCursorWrapper.execute, "ptleads_statement_log", False):
        return True
    log = _StatementLog(Path(target))
    original = DuckDBCursorWrapper.execute

    def execute(self: Any, sql: Any, bindings: Any = None) -> Any:
        if not isinstance(sql, str):
            return original(self, sql, bindings)
        log.note_node(sql)
        statements = self._cursor.extract_statements(sql) if bindings is None and ";" in sql else []
        if len(statements) < 2:
            return log.timed(lambda: original(self, sql, bindings), sql)
        result = None
        try:  # a hook's statements one at a time, in order, as DuckDB runs them
            for statement in statements:
                result = log.timed(lambda s=statement: self._cursor.execute(s), statement.query)
        except RuntimeError as exc:  # as the wrapped execute reports a failed statement
            raise DbtRuntimeError(str(exc)) from exc
        return result

    execute.ptleads_statement_log = True  # type: ignore[attr-defined]
    DuckDBCursorWrapper.execute = execute  # type: ignore[method-assign]
    return True
