"""Generator data replayed day by day with as-of: every open lead has exactly one next action, and the
day's call list only holds open leads. Runs the real pipeline, then the action assets' function."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.actions.assets import _read, compute_actions
from orchestration.actions.call_list import CallListRow
from orchestration.actions.call_list_contract import contract_breaches

pytestmark = pytest.mark.slow
# Two consecutive mornings: the second run sees the first run's outcomes, tokens and call list (a third
# day repeated the same path and cost a pipeline run of CI time).
DAYS = ["2025-03-10T15:00:00", "2025-03-11T15:00:00"]


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "orchestration.cli", *args], check=True, capture_output=True)


def test_every_open_lead_has_exactly_one_action_day_by_day(tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    _cli(
        "generate",
        "--out",
        str(gen),
        "--seed",
        "1",
        "--leads",
        "400",
        "--months",
        "3",
        "--max-faxes",
        "0",
        "--end",
        "2025-03-31",
    )
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    offers_made = 0
    for day in DAYS:
        _cli(
            "run",
            "--inbox",
            str(gen / "inbox"),
            "--warehouse",
            str(warehouse),
            "--config",
            str(gen / "config"),
            "--as-of",
            day,
        )
        con = duckdb.connect(str(warehouse))
        try:
            actions, rows, _ = compute_actions(con, gen / "config", datetime.fromisoformat(day))
            open_ids = {
                r[0]
                for r in con.execute(
                    "select lead_id from marts.fct_leads where status in ('new', 'contacted', 'verified')"
                ).fetchall()
            }
            # The run wrote one call list (the engine's), holding its contract; the old name is gone.
            assert not contract_breaches(con)
            tables = {
                r[0]
                for r in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'marts'"
                ).fetchall()
            }
            assert "staff_call_list" not in tables and {"waitlist_offers", "sla_metrics"} <= tables
            written = con.execute("select rule, reason, tracking_token from marts.next_actions").fetchall()
            logged = {r[0] for r in con.execute("select token from raw.tracking_tokens").fetchall()}
            # the run's call list (handed over in-process by next_actions) is the one its actions rank to
            written_list = _read(con, "call_list", CallListRow)
        finally:
            con.close()
        key = lambda r: (r.clinic_id, r.owner_role, r.rank)  # noqa: E731
        assert sorted(written_list, key=key) == sorted(rows, key=key)
        assert {token for _, _, token in written if token} <= logged, "every rendered link's token is logged"
        waitlisted = [reason for rule, reason, _ in written if rule.startswith("waitlist:")]
        assert all(reason.startswith("waitlist: slot freed ") for reason in waitlisted)
        offers_made += len(waitlisted)
        ids = [a.lead_id for a in actions]
        assert len(ids) == len(set(ids)), "one action per lead"
        assert open_ids <= set(ids), "every open lead has an action"
        assert {r.lead_id for r in rows} <= set(ids)
        assert all(a.due_at >= a.as_of for a in actions)
    print(
        f"waitlist offers over {len(DAYS)} days: {offers_made}"
    )  # shown with -s; generator data may have none
