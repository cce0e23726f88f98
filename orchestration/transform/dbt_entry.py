"""`ptleads-dbt`: the pipeline's dbt process. It runs the same dbt as the `dbt` command (same arguments,
events and exit codes), then closes the warehouse and exits without the interpreter's teardown.

dagster-dbt reads dbt's events from the child's stdout until the pipe closes, i.e. until the process has
exited, and the run waits for that. After dbt's last event a plain `dbt` process still frees every object
of its manifest, graph and results one at a time and runs its exit handlers: ~1.0-1.3 s on a 1M-lead
warehouse for a one-model build, more after a full phase. Here, once `invoke` returns, dbt's DuckDB
connections are closed explicitly (the file lock is released and the closing checkpoint written before
the pipeline's next step opens the file), logs and multiprocessing's named semaphores are cleaned up,
and `os._exit` skips the rest (~0.2 s). During a pipeline run the run's warm dbt (dbt_warm.py) runs the
invocation in a process that has imported dbt already.
"""

from __future__ import annotations

import logging
import multiprocessing.util
import os
import sys

from orchestration.transform import dbt_warm

# dbt's exit codes (dbt.cli.exceptions.ExitCodes)
SUCCESS, NODE_FAILED, DBT_FAILED = 0, 1, 2


def run(argv: list[str]) -> int:
    """Run dbt with `argv` in this process; its exit code."""
    from dbt.cli.main import dbtRunner

    from orchestration.transform.dbt_parse_key import key_partial_parse_without_ignored_keys
    from orchestration.transform.dbt_statement_log import install_from_env

    install_from_env()  # PTLEADS_DBT_STATEMENT_LOG: each statement's seconds (profiling only)
    key_partial_parse_without_ignored_keys()  # a warehouse elsewhere, other settings: still a partial parse
    result = dbtRunner().invoke(argv)
    failed = DBT_FAILED if result.exception is not None else NODE_FAILED
    code = SUCCESS if result.success else failed
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        DuckDBConnectionManager.close_all_connections()
    except Exception as exc:  # never let a close error pass for success
        print(f"ptleads-dbt: closing the warehouse failed: {type(exc).__name__}", file=sys.stderr)
        code = code or DBT_FAILED
    return code


def exit_now(code: int) -> None:
    """Exit after a dbt invocation in this process, skipping the interpreter's teardown."""
    logging.shutdown()  # dbt.log's handlers flushed and closed
    # SemLock finalizers: without them multiprocessing's resource tracker warns of leaked semaphores
    multiprocessing.util._exit_function()  # type: ignore[attr-defined]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    argv = sys.argv[1:]
    server = os.environ.get(dbt_warm.SERVER_ENV)
    if server:  # the run's warm dbt (dbt_warm.py) runs it as this process
        code = dbt_warm.delegate(server, argv)
        if code is not None:
            os._exit(code)
    exit_now(run(argv))


if __name__ == "__main__":
    main()
