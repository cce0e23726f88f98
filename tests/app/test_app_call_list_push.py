"""Push from the call-list page under AppTest, to a real local SMTP server (aiosmtpd) and HTTP server:
only the configured targets, only the user's clinics, every push audited and logged in the app store."""

from __future__ import annotations

import csv
import email
import io
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from conftest import open_page

from app.lib import audit
from app.lib.call_list_push import call_list_rows, load_push_targets
from orchestration.actions.call_list import CallListRow
from orchestration.settings import Settings

TOKEN = "s3cret-token"  # a webhook URL may carry a credential: it must not reach logs


def _clinic_rows(snapshot: Path, clinic: str | None) -> set[str]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        sql = "select lead_id from marts.call_list" + (" where clinic_id = ?" if clinic else "")
        return {r[0] for r in con.execute(sql, [clinic] if clinic else []).fetchall()}
    finally:
        con.close()


def _configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: tuple, url: str | None) -> Path:
    host, port = smtp[0], smtp[1]
    doc: dict[str, object] = {
        "email": {
            "smtp_host": host,
            "smtp_port": port,
            "sender": "ptleads@clinic.test",
            "recipients": {"ATX-S": ["frontdesk.atx@clinic.test"], "*": ["manager@clinic.test"]},
        },
        "csv_dir": "pushed_lists",
    }
    if url:
        doc["webhook"] = {"url": f"{url}?token={TOKEN}"}
    path = tmp_path / "push.yaml"
    path.write_text(yaml.safe_dump(doc))
    monkeypatch.setenv("PTLEADS_PUSH", str(path))
    return path


def _push(role: str, clinic: str | None = None):
    at = open_page("call_list.py", role).run()
    if clinic:
        at.selectbox(key="call_clinic").set_value(clinic).run()
    assert not at.exception
    at.button(key="push_list").click().run()
    assert not at.exception
    return at


def test_staff_push_sends_only_their_clinic_to_configured_targets(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server, http_server
) -> None:
    url, received = http_server
    _configure(tmp_path, monkeypatch, smtp_server, url)
    at = _push("staff")
    expected = _clinic_rows(published, "ATX-S")
    assert [s.value for s in at.success] == [f"Pushed {len(expected)} rows in 3 pushes (0 failed)"]

    (mail_from, rcpt, content), *others = smtp_server[2].messages
    assert not others and mail_from == "ptleads@clinic.test" and rcpt == ["frontdesk.atx@clinic.test"]
    attachment = next(p for p in email.message_from_bytes(content).walk() if p.get_filename())
    sent = list(csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode())))
    assert {r["lead_id"] for r in sent} == expected and {r["clinic_id"] for r in sent} == {"ATX-S"}
    assert [int(r["rank"]) for r in sent] == sorted(int(r["rank"]) for r in sent)

    (hook,) = received
    assert hook["clinic_id"] == "ATX-S" and {r["lead_id"] for r in hook["rows"]} == expected
    (csv_file,) = (tmp_path / "pushed_lists").rglob("*.csv")
    assert {r["lead_id"] for r in csv.DictReader(csv_file.open())} == expected

    pushes = audit.read_entries().filter(audit.read_entries()["action"] == "push")
    assert sorted(pushes["target"]) == [
        "csv:ATX-S/front_desk",
        "email:ATX-S/front_desk",
        "webhook:ATX-S/front_desk",
    ]
    assert set(pushes["user"]) == {"staff"} and all(
        d.startswith(f"{len(expected)} rows, ok") for d in pushes["detail"]
    )
    log_text = (tmp_path / "app_store" / "push_log.jsonl").read_text()
    assert [json.loads(x)["method"] for x in log_text.splitlines()] == ["email", "webhook", "csv"]
    assert TOKEN not in log_text and TOKEN not in " ".join(audit.read_entries()["detail"])


def test_manager_push_of_all_clinics_uses_the_fallback_recipients(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server
) -> None:
    _configure(tmp_path, monkeypatch, smtp_server, None)
    at = open_page("call_list.py", "manager").run()
    at.checkbox(key="push_csv").uncheck().run()
    at.button(key="push_list").click().run()
    assert not at.exception
    messages = smtp_server[2].messages
    assert len(messages) == 3  # one per clinic (one owner role each in the fixture)
    by_rcpt = sorted(tuple(rcpt) for _, rcpt, _ in messages)
    assert by_rcpt == [("frontdesk.atx@clinic.test",), ("manager@clinic.test",), ("manager@clinic.test",)]
    assert not (tmp_path / "pushed_lists").exists()  # unticked method is not used
    assert len(_clinic_rows(published, None)) == sum(
        int(e["detail"].split()[0])
        for e in audit.read_entries().iter_rows(named=True)
        if e["action"] == "push"
    )


def test_a_failed_push_is_reported_and_audited(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, monkeypatch, ("127.0.0.1", 9), None)  # nothing listens on the discard port
    at = open_page("call_list.py", "staff").run()
    at.checkbox(key="push_csv").uncheck().run()
    at.button(key="push_list").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        f"Pushed {len(_clinic_rows(published, 'ATX-S'))} rows in 1 pushes (1 failed)"
    ]
    (entry,) = [e for e in audit.read_entries().iter_rows(named=True) if e["action"] == "push"]
    assert "failed" in entry["detail"]


def test_without_push_config_only_export_is_offered(published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTLEADS_PUSH", "/nonexistent/push.yaml")
    at = open_page("call_list.py", "staff").run()
    assert not at.exception
    assert "push_list" not in [b.key for b in at.button]
    assert any("No push targets configured" in c.value for c in at.caption)


def test_push_rows_read_every_engine_column(tmp_path: Path) -> None:
    """marts.call_list as the engine publishes it: every CallListRow column is read, none defaulted."""
    due, sla_due = datetime(2025, 6, 30, 15), datetime(2025, 6, 30, 13)
    common = {"action": "call", "channel": "phone", "due_at": due, "sla_due_at": sla_due, "script": "Hi"}
    rows = [
        CallListRow(**common, lead_id="L2", clinic_id="RR", owner_role="intake_coordinator", reason="overdue",
                    priority_tier="high", score=0.7, expected_value=200.0, rank=2, urgency=3.5,
                    priority_score=700.0),
        CallListRow(**common, lead_id="L1", clinic_id="RR", owner_role="intake_coordinator", reason="new",
                    priority_tier="standard", score=None, expected_value=900.0, rank=1, urgency=1.0,
                    priority_score=900.0),
        CallListRow(**common, lead_id="L3", clinic_id="CP", owner_role="intake_coordinator", reason="new",
                    priority_tier="low", score=0.1, expected_value=50.0, rank=1, urgency=1.0,
                    priority_score=50.0),
    ]  # fmt: skip
    path = tmp_path / "snapshot.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.register("rows_in", pl.DataFrame([asdict(r) for r in rows]))
    con.execute("create table marts.call_list as select * from rows_in")
    con.close()
    assert call_list_rows(path, ("RR",)) == [rows[1], rows[0]]
    assert len(call_list_rows(path)) == 3


def test_push_config_errors_name_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "push.yaml"
    path.write_text(yaml.safe_dump({"email": {"smtp_host": "x", "recipients": ["a@b.test"]}}))
    monkeypatch.setenv("PTLEADS_PUSH", str(path))
    with pytest.raises(ValueError, match=r"email\.recipients"):
        load_push_targets(Settings())


def test_push_yaml_names_the_smtp_login_but_never_holds_a_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "push.yaml"
    monkeypatch.setenv("PTLEADS_PUSH", str(path))
    path.write_text(yaml.safe_dump({"email": {"smtp_host": "x", "smtp_user": "ptleads"}}))
    assert load_push_targets(Settings()).smtp_user == "ptleads"
    path.write_text(yaml.safe_dump({"email": {"smtp_host": "x", "smtp_user": "u", "smtp_password": "p"}}))
    with pytest.raises(ValueError, match="PTLEADS_SMTP_PASSWORD"):
        load_push_targets(Settings())
