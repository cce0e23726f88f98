"""Append-only log of tracking tokens: every scheduling link a script renders maps back to its lead.

A web event carries only the token of the link the visitor followed. Identity resolution today learns
a token from the SMS or email export that carried it; a link read out on a call, pasted by staff, or
sent before that export arrives would stay anonymous. `raw.tracking_tokens` records, when the engine
renders a link, `token -> lead_id, action_id, created_at`, so any web event with the token resolves.

Rows are only ever inserted (a token is a hash of the action id, so it never changes owner); each row
carries the raw lineage columns. Identity join (for dbt, `int_touches_attributed` / `int_persons_matched`):
`TOKEN_LEADS_SQL` below, i.e. web_events.token = tracking_tokens.token -> lead_id (and its person).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from orchestration.actions.engine import NextAction

SOURCE = "actions_engine"
TABLE = "raw.tracking_tokens"
DDL = f"""
create table if not exists {TABLE} (
    token varchar primary key,
    lead_id varchar not null,
    action_id varchar not null,
    action varchar,
    channel varchar,
    created_at timestamp not null,  -- the run's as-of when the link was first rendered
    source varchar not null,
    source_file varchar not null,
    source_record_id varchar not null,
    ingested_at timestamp not null
)
"""

# Web events that followed a tracked link, with the lead the link was rendered for.
TOKEN_LEADS_SQL = f"""
select w.source_record_id, t.lead_id, t.action_id
from raw.web_events as w
inner join {TABLE} as t on nullif(trim(w.token), '') = t.token
"""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token: str
    lead_id: str
    action_id: str
    action: str
    channel: str
    created_at: datetime


def token_records(actions: Iterable[NextAction], created_at: datetime) -> list[TokenRecord]:
    """One record per distinct token among actions whose script carries a link."""
    out: dict[str, TokenRecord] = {}
    for a in actions:
        if a.tracking_token and a.tracking_token not in out:
            out[a.tracking_token] = TokenRecord(
                a.tracking_token, a.lead_id, a.action_id, a.action, a.channel, created_at
            )
    return list(out.values())


def ensure_token_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the (empty) log, so a dbt source over it exists before the first engine run."""
    con.execute("create schema if not exists raw")
    con.execute(DDL)


def log_tokens(con: duckdb.DuckDBPyConnection, actions: Iterable[NextAction], created_at: datetime) -> int:
    """Append the tokens not logged yet; returns how many were new (a rerun appends nothing)."""
    records = token_records(actions, created_at.replace(tzinfo=None))
    ensure_token_table(con)
    if not records:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    frame = pa.table(  # noqa: F841 (read by the SQL below)
        {
            "token": [r.token for r in records],
            "lead_id": [r.lead_id for r in records],
            "action_id": [r.action_id for r in records],
            "action": [r.action for r in records],
            "channel": [r.channel for r in records],
            "created_at": [r.created_at for r in records],
        }
    )
    # an INSERT's result is the number of rows it inserted (no count of the whole log before and after)
    inserted = con.execute(
        f"""
        insert into {TABLE}
        select f.token, f.lead_id, f.action_id, f.action, f.channel, f.created_at,
            ?, 'next_actions', f.token, ?
        from frame as f anti join {TABLE} as t on f.token = t.token
        """,
        [SOURCE, now],
    ).fetchall()
    return int(inserted[0][0])


def lead_for_token(con: duckdb.DuckDBPyConnection, token: str) -> str | None:
    row = con.execute(f"select lead_id from {TABLE} where token = ?", [token]).fetchone()
    return row[0] if row else None


def web_event_leads(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """raw.web_events source_record_id -> lead_id for every event whose token is in the log."""
    return {rid: lead for rid, lead, _ in con.execute(TOKEN_LEADS_SQL).fetchall()}
