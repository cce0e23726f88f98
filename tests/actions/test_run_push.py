"""The run's own push (push.yaml `after_run`): the new call list by CSV, email to a real local SMTP server
and webhook to a real local HTTP server, logged in marts.push_log; each list sent once per as-of (a rerun
skips what was sent and retries what failed); push.yaml's `after_run` checked against what it configures."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.actions.assets import _write
from orchestration.actions.call_list import CallListRow
from orchestration.actions.engine import EngineContext
from orchestration.actions.push_targets import PushConfigError, PushTargets, load_push_targets
from orchestration.actions.run_push import push_after_run
from orchestration.settings import Settings
from tests.actions.test_push_e2e import AS_OF, _day_list

TOKEN = "s3cret-token"


def _warehouse(tmp_path: Path, rows: list[CallListRow]) -> duckdb.DuckDBPyConnection:
    """marts.call_list as the call-list step writes it."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    _write(con, "call_list", CallListRow, rows)
    return con


def _targets(tmp_path: Path, smtp, url: str, after_run: tuple[str, ...]) -> PushTargets:
    return PushTargets(
        sender="ptleads@clinic.test",
        smtp_host=smtp[0],
        smtp_port=smtp[1],
        recipients={"ATX-S": ["frontdesk.atx@clinic.test"]},
        webhook_url=f"{url}?token={TOKEN}",
        csv_dir=tmp_path / "lists",
        after_run=after_run,
    )


def test_run_push_sends_every_list_once_per_as_of(
    ctx: EngineContext, tmp_path: Path, smtp_server, http_server
) -> None:
    rows = _day_list(ctx)
    groups = {(r.clinic_id, r.owner_role) for r in rows}
    url, received = http_server
    con = _warehouse(tmp_path, rows)
    targets = _targets(tmp_path, smtp_server, url, ("email", "webhook", "csv"))

    done = push_after_run(con, targets, AS_OF)
    assert (done.rows, len(done.records), done.failed, done.skipped) == (len(rows), 3 * len(groups), 0, 0)
    assert done.summary() == f"{len(rows)} rows by email, webhook, csv in {3 * len(groups)} pushes (0 failed)"
    files = sorted((tmp_path / "lists" / "2025-03-11").glob("*.csv"))
    assert {r["lead_id"] for f in files for r in csv.DictReader(f.open())} == {r.lead_id for r in rows}
    assert len(smtp_server[2].messages) == len(groups)
    assert {m[1][0] for m in smtp_server[2].messages} == {"frontdesk.atx@clinic.test"}
    assert sum(len(d["rows"]) for d in received) == len(rows)
    log = con.execute("select method, target, status, pushed_at from marts.push_log").fetchall()
    assert len(log) == 3 * len(groups) and {r[2] for r in log} == {"ok"} and {r[3] for r in log} == {AS_OF}
    assert TOKEN not in json.dumps([r[1] for r in log])  # the webhook's target is its host only

    # The same as-of again (a rerun after a crash): nothing is sent twice.
    again = push_after_run(con, targets, AS_OF)
    assert (again.rows, again.records, again.skipped) == (0, [], 3 * len(groups))
    assert len(smtp_server[2].messages) == len(groups) and sum(len(d["rows"]) for d in received) == len(rows)
    assert "already sent" in again.summary()
    con.close()


def test_a_failed_target_is_logged_and_retried_by_the_next_run(
    ctx: EngineContext, tmp_path: Path, http_server
) -> None:
    rows = _day_list(ctx)
    groups = {(r.clinic_id, r.owner_role) for r in rows}
    url, received = http_server
    con = _warehouse(tmp_path, rows)
    down = PushTargets(webhook_url="http://127.0.0.1:9/nowhere", csv_dir=tmp_path / "lists")
    first = push_after_run(con, replace(down, after_run=("webhook", "csv")), AS_OF)
    assert first.failed == len(groups) and len(first.records) == 2 * len(groups)  # csv went through
    up = PushTargets(webhook_url=url, csv_dir=tmp_path / "lists", after_run=("webhook", "csv"))
    second = push_after_run(con, up, AS_OF)
    assert {r.method for r in second.records} == {"webhook"} and second.failed == 0
    assert second.skipped == len(groups)  # the CSV lists
    assert sum(len(d["rows"]) for d in received) == len(rows)
    statuses = con.execute("select method, status, count(*) from marts.push_log group by all order by all")
    assert statuses.fetchall() == [
        ("csv", "ok", len(groups)),
        ("webhook", "failed", len(groups)),
        ("webhook", "ok", len(groups)),
    ]
    con.close()


def _load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, doc: object) -> PushTargets | None:
    path = tmp_path / "push.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    monkeypatch.setenv("PTLEADS_PUSH", str(path))
    return load_push_targets(Settings().with_overrides(warehouse=tmp_path / "w" / "warehouse.duckdb"))


def test_after_run_names_configured_methods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"csv_dir": "lists", "webhook": {"url": "https://hooks.example/x"}}
    assert _load(tmp_path, monkeypatch, base).after_run == ()  # the default: the run pushes nothing
    assert _load(tmp_path, monkeypatch, base | {"after_run": True}).after_run == ("webhook", "csv")
    assert _load(tmp_path, monkeypatch, base | {"after_run": ["csv"]}).after_run == ("csv",)
    assert _load(tmp_path, monkeypatch, base | {"after_run": False}).after_run == ()
    targets = _load(tmp_path, monkeypatch, base)
    assert targets.csv_dir == tmp_path / "w" / "lists"  # relative to the warehouse folder
    for bad, message in (
        (["email"], "after_run names email, which push.yaml does not configure"),
        (["fax"], "unknown method 'fax'"),
        ("csv", "after_run must be true, false or a list"),
    ):
        with pytest.raises(PushConfigError, match=message):
            _load(tmp_path, monkeypatch, base | {"after_run": bad})
    with pytest.raises(PushConfigError, match="not valid YAML"):
        _load(tmp_path, monkeypatch, "csv_dir: [unclosed")
