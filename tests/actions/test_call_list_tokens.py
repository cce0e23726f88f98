"""marts.call_list contract (the engine owns the table), the tracking-token log (a web event with a token
from a rendered script resolves to that lead), and SLA metrics per clinic."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.actions.assets import _write
from orchestration.actions.call_list import ALL_CLINICS, CallListRow, SlaLead, build_call_list, sla_table
from orchestration.actions.call_list_contract import (
    CALL_LIST_CONTRACT,
    CallListContractError,
    check_call_list_contract,
    contract_breaches,
)
from orchestration.actions.engine import EngineContext, next_actions
from orchestration.actions.tracking_tokens import TABLE, lead_for_token, log_tokens, web_event_leads
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.web import WEB
from tests.actions.conftest import CONFIG, make_lead

AS_OF = datetime(2025, 3, 11, 15, 0)  # Tuesday 10:00 Chicago


def _actions(ctx: EngineContext):
    leads = [
        make_lead(lead_id="A", received_at=AS_OF - timedelta(minutes=20), expected_value=900.0),
        make_lead(lead_id="B", priority_tier="high", received_at=AS_OF - timedelta(hours=3)),
        make_lead(lead_id="C", received_at=AS_OF - timedelta(hours=1), sms_consent=False, has_email=False),
    ]
    return next_actions(leads, AS_OF, ctx)


def _warehouse(tmp_path: Path, lead_ids: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.fct_leads as select unnest(?::varchar[]) as lead_id", [lead_ids])
    return con


def test_call_list_rows_start_with_the_contract_columns() -> None:
    names = [f.name for f in fields(CallListRow)]
    assert names[: len(CALL_LIST_CONTRACT)] == [c for c, _ in CALL_LIST_CONTRACT]


def test_written_call_list_holds_its_contract_and_breaches_are_named(
    ctx: EngineContext, tmp_path: Path
) -> None:
    rows = build_call_list(_actions(ctx), AS_OF, {"ATX-S": "America/Chicago"})
    assert rows and all(r.score is None or 0 <= r.score <= 1 for r in rows)
    con = _warehouse(tmp_path, ["A", "B", "C"])
    _write(con, "call_list", CallListRow, rows)
    check_call_list_contract(con)  # holds

    _write(con, "call_list", CallListRow, [*rows, replace(rows[0], rank=0)])
    breaches = contract_breaches(con)
    assert any("duplicate lead_id" in b for b in breaches) and any("positive rank" in b for b in breaches)
    con.execute("delete from marts.fct_leads where lead_id = ?", [rows[0].lead_id])
    assert any("not in marts.fct_leads" in b for b in contract_breaches(con))
    con.execute("alter table marts.call_list drop column script")
    with pytest.raises(CallListContractError, match="not the contract"):
        check_call_list_contract(con)
    con.close()


def _token_in_script(script: str) -> str:
    match = re.search(r"[?&]t=([0-9a-f]+)", script)
    assert match, "the rendered script carries a tracked scheduling link"
    return match.group(1)


def test_web_event_with_a_rendered_token_resolves_to_its_lead(ctx: EngineContext, tmp_path: Path) -> None:
    actions = _actions(ctx)
    linked = [a for a in actions if a.scheduling_link and a.scheduling_link in a.script]
    assert linked, "some script renders a scheduling link"
    action = linked[0]
    token = _token_in_script(action.script)

    con = _warehouse(tmp_path, [a.lead_id for a in actions])
    assert log_tokens(con, actions, AS_OF) == len({a.tracking_token for a in actions if a.tracking_token})
    assert log_tokens(con, actions, AS_OF + timedelta(days=1)) == 0  # append-only: a rerun adds nothing
    created = con.execute(f"select created_at from {TABLE} where token = ?", [token]).fetchone()[0]
    assert created == AS_OF  # the first rendering's time is kept

    # The visitor follows the link: the web export (CONTRACTS format) goes through the real web ingestion.
    inbox = tmp_path / "inbox"
    (inbox / "web").mkdir(parents=True)
    events = [
        {
            "event_id": "w1",
            "ts": "2025-03-11T16:00:00Z",
            "event": "scheduling_view",
            "token": token,
            "url": "/s",
        },
        {
            "event_id": "w2",
            "ts": "2025-03-11T16:05:00Z",
            "event": "page_view",
            "token": "feedface0000",
            "url": "/",
        },
    ]
    (inbox / "web" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    ingest_source(con, WEB, inbox, tmp_path / "quarantine", ParseContext(CONFIG))

    assert web_event_leads(con) == {"w1": action.lead_id}  # an unknown token stays unresolved
    assert lead_for_token(con, token) == action.lead_id
    row = con.execute(
        f"select action_id, source, source_record_id from {TABLE} where token = ?", [token]
    ).fetchone()
    assert row == (action.action_id, "actions_engine", token)
    con.close()


def test_sla_table_per_clinic_and_for_the_practice() -> None:
    r = AS_OF - timedelta(days=1)
    leads = [
        SlaLead("a", "high", r, r + timedelta(minutes=10), "ATX-S"),
        SlaLead("b", "high", r, r + timedelta(minutes=45), "RR"),
        SlaLead("c", "standard", r, r + timedelta(minutes=90), "RR"),
        SlaLead("d", "standard", AS_OF - timedelta(hours=1), None, "RR"),  # window still open
    ]
    targets = {"high": timedelta(minutes=30), "standard": timedelta(hours=2)}
    rows = {(x.clinic_id, x.priority_tier): x for x in sla_table(leads, AS_OF, targets)}
    assert (rows[(ALL_CLINICS, "high")].leads, rows[(ALL_CLINICS, "high")].share) == (2, 0.5)
    assert rows[("ATX-S", "high")].share == 1.0 and rows[("RR", "high")].share == 0.0
    assert (rows[("RR", "standard")].leads, rows[("RR", "standard")].within) == (1, 1)
    assert rows[("ATX-S", "standard")].share is None and rows[(ALL_CLINICS, "high")].target_minutes == 30
