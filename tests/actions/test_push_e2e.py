"""A day's call list for one clinic pushed by CSV, by email to a real local SMTP server and by webhook to
a real local HTTP server; asserts what arrived and what marts.push_log recorded."""

from __future__ import annotations

import csv
import email
import io
import socket
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from orchestration.actions.call_list import build_call_list
from orchestration.actions.engine import EngineContext, next_actions
from orchestration.actions.push import push_csv, push_email, push_webhook, record_pushes
from orchestration.actions.timeline import Touch
from tests.actions.conftest import make_lead
from tests.actions.push_servers import Inbox

AS_OF = datetime(2025, 3, 11, 14, 0)  # 09:00 in Chicago


def _day_list(ctx: EngineContext):
    leads = [
        make_lead(
            lead_id="HIGH-OVERDUE",
            priority_tier="high",
            received_at=AS_OF - timedelta(hours=3),
            expected_value=2400.0,
        ),
        make_lead(lead_id="STD-NEW", received_at=AS_OF - timedelta(minutes=20), expected_value=900.0),
        make_lead(
            lead_id="STD-OPENS",
            received_at=AS_OF - timedelta(days=1),
            expected_value=1200.0,
            touches=(
                Touch(AS_OF - timedelta(hours=20), "email", None, "processed"),
                Touch(AS_OF - timedelta(hours=2), "email", None, "open"),
                Touch(AS_OF - timedelta(hours=1), "email", None, "open"),
            ),
        ),
        make_lead(
            lead_id="OTHER-CLINIC",
            clinic_id="NYC",
            timezone="America/New_York",
            received_at=AS_OF - timedelta(hours=1),
        ),
    ]
    actions = next_actions(leads, AS_OF, ctx)
    rows = build_call_list(actions, AS_OF, {"ATX-S": "America/Chicago", "NYC": "America/New_York"})
    return [r for r in rows if r.clinic_id == "ATX-S"]


def test_push_csv_email_webhook(ctx: EngineContext, tmp_path: Path, smtp_server, http_server) -> None:
    rows = _day_list(ctx)
    assert {r.lead_id for r in rows} == {"HIGH-OVERDUE", "STD-NEW", "STD-OPENS"}
    manager = [r for r in rows if r.owner_role == "clinic_manager"]
    assert [r.lead_id for r in manager] == ["HIGH-OVERDUE"]  # escalated to the manager
    coordinator = [r for r in rows if r.owner_role == "intake_coordinator"]
    assert [r.rank for r in coordinator] == list(range(1, len(coordinator) + 1))

    host, port, inbox = smtp_server
    url, received = http_server
    records = push_csv(rows, tmp_path / "push", AS_OF)
    records += push_email(
        rows, AS_OF, host=host, port=port, sender="ptleads@clinic.test", recipients=["frontdesk@clinic.test"]
    )
    records += push_webhook(rows, AS_OF, url)

    # CSV: one file per clinic/owner, rows in rank order with reasons and scripts.
    files = sorted((tmp_path / "push" / "2025-03-11").glob("*.csv"))
    assert [f.name for f in files] == [
        "call_list_ATX-S_clinic_manager.csv",
        "call_list_ATX-S_intake_coordinator.csv",
    ]
    coordinator_csv = list(csv.DictReader(io.StringIO(files[1].read_text())))
    assert [r["lead_id"] for r in coordinator_csv] == [r.lead_id for r in coordinator]
    assert all(r["reason"] and r["script"] for r in coordinator_csv)

    # Email: one message per group, the CSV attached.
    assert len(inbox.messages) == 2
    for mail_from, rcpt, content in inbox.messages:
        assert mail_from == "ptleads@clinic.test" and rcpt == ["frontdesk@clinic.test"]
        message = email.message_from_bytes(content)
        attachment = next(p for p in message.walk() if p.get_filename())
        ids = [
            r["lead_id"] for r in csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode()))
        ]
        assert ids and set(ids) <= {"HIGH-OVERDUE", "STD-NEW", "STD-OPENS"}

    # Webhook: one JSON document per group.
    assert sorted(d["owner_role"] for d in received) == ["clinic_manager", "intake_coordinator"]
    assert sum(len(d["rows"]) for d in received) == len(rows)
    assert all(d["clinic_id"] == "ATX-S" and d["as_of"] == AS_OF.isoformat() for d in received)

    # push_log: six rows (3 methods x 2 groups), all ok, row counts matching.
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    assert record_pushes(con, records) == 6
    log = con.execute(
        "select method, owner_role, rows, status from marts.push_log order by method, owner_role"
    ).fetchall()
    con.close()
    assert log == [
        (m, o, n, "ok")
        for m in ("csv", "email", "webhook")
        for o, n in (("clinic_manager", len(manager)), ("intake_coordinator", len(coordinator)))
    ]


def test_failed_push_is_logged_not_raised(ctx: EngineContext, tmp_path: Path) -> None:
    rows = _day_list(ctx)
    records = push_webhook(rows, AS_OF, "http://127.0.0.1:9/nowhere", timeout=2)
    records += push_email(
        rows, AS_OF, host="127.0.0.1", port=9, sender="a@b.test", recipients=["c@d.test"], timeout=2
    )
    assert records and all(r.status == "failed" and r.detail for r in records)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_push_logs_in_when_the_server_asks(ctx: EngineContext) -> None:
    """A server that requires AUTH takes the list with the right login and refuses it with a wrong one;
    the refusal is a failed push naming the error type only (no credentials in the record)."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"ptleads",
            b"s3cret-pass",
        )
        return AuthResult(success=ok)

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        rows = _day_list(ctx)
        send = dict(host="127.0.0.1", port=port, sender="a@clinic.test", recipients=["b@clinic.test"])
        anonymous = push_email(rows, AS_OF, **send)
        wrong = push_email(rows, AS_OF, **send, username="ptleads", password="guess")
        right = push_email(rows, AS_OF, **send, username="ptleads", password="s3cret-pass")
    finally:
        controller.stop()
    assert all(r.status == "failed" for r in anonymous + wrong)
    # smtplib tries each AUTH mechanism the server offers; the server may hang up after the refusals
    assert {r.detail for r in wrong} <= {"SMTPAuthenticationError", "SMTPServerDisconnected"}
    assert all("s3cret" not in str(r) and "guess" not in str(r) for r in wrong + right)
    assert all(r.status == "ok" for r in right) and len(inbox.messages) == len(right) == 2
