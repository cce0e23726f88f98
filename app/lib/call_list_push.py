"""Push today's call list from the app: email (SMTP) and/or webhook and/or a CSV drop folder, through
orchestration/actions/push.py, to targets an admin configured in `push.yaml` (orchestration/actions/
push_targets.py: staff never type an address or URL, so a list of patients cannot be sent anywhere the
practice did not choose).

The app never writes the warehouse, so instead of `marts.push_log` every push record goes to
`<app_store>/push_log.jsonl` (same fields) and one audit entry per push.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path

import duckdb

from app.lib import audit
from app.lib.auth import User
from app.lib.journal_files import append_json_line
from app.lib.snapshot import connect_read_only
from orchestration.actions.call_list import CallListRow
from orchestration.actions.push import PushRecord
from orchestration.actions.push_targets import (  # noqa: F401 (the page imports them from here)
    PushConfigError,
    PushTargets,
    load_push_targets,
    send,
)
from orchestration.settings import Settings

# Columns a call list published by an older run (dbt's CONTRACTS-only table) may lack.
FALLBACKS = {
    "score": "null",
    "sla_due_at": "due_at",
    "urgency": "1.0",
    "priority_score": "coalesce(expected_value, 0.0)",
    "priority_tier": "'standard'",
    "expected_value": "0.0",
    "script": "''",
}

CASTS = {
    "rank": "integer",
    "score": "double",
    "urgency": "double",
    "priority_score": "double",
    "expected_value": "double",
}


def _select_list(con: duckdb.DuckDBPyConnection) -> str:
    have = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'call_list'"
        ).fetchall()
    }
    exprs = []
    for column in (f.name for f in fields(CallListRow)):
        expr = column if column in have else FALLBACKS[column]
        # DuckDB hands DECIMAL columns back as Decimal, which JSON (webhook, push log) cannot carry.
        cast = CASTS.get(column)
        exprs.append(f"({expr})::{cast} as {column}" if cast else f"{expr} as {column}")
    return ", ".join(exprs)


def call_list_rows(snapshot: Path | str, clinic_ids: tuple[str, ...] = ()) -> list[CallListRow]:
    """The published marts.call_list as push rows (all clinics when `clinic_ids` is empty), grouped by
    clinic and owner role in rank order."""
    con = connect_read_only(snapshot)
    try:
        sql = f"select {_select_list(con)} from marts.call_list"
        params: list[object] = []
        if clinic_ids:
            sql += " where list_contains(?::varchar[], clinic_id)"
            params.append(list(clinic_ids))
        found = con.execute(sql + " order by clinic_id, owner_role, rank, lead_id", params).fetchall()
    finally:
        con.close()
    return [CallListRow(*row) for row in found]


def push_log_path(settings: Settings | None = None) -> Path:
    return (settings or Settings()).app_store / "push_log.jsonl"


def push_call_list(
    user: User,
    rows: list[CallListRow],
    targets: PushTargets,
    methods: tuple[str, ...],
    as_of: datetime,
    settings: Settings | None = None,
) -> list[PushRecord]:
    """Send `rows` by each chosen method; log every record and audit it. Failures are returned, not
    raised (a mail server being down must not lose the rest of the push)."""
    s = settings or Settings()
    records = send(rows, targets, methods, as_of)
    for record in records:
        append_json_line(push_log_path(s), asdict(record) | {"user": user.username})
        audit.record(
            user,
            "push",
            f"{record.method}:{record.clinic_id}/{record.owner_role}",
            f"{record.rows} rows, {record.status}{f' ({record.detail})' if record.detail else ''}",
        )
    return records
