"""Push today's call list from the app: email (SMTP) and/or webhook and/or a CSV drop folder, through
orchestration/actions/push.py, to targets an admin configured in `push.yaml` (staff never type an
address or URL, so a list of patients cannot be sent anywhere the practice did not choose).

The app never writes the warehouse, so instead of `marts.push_log` every push record goes to
`<app_store>/push_log.jsonl` (same fields) and one audit entry per push.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import yaml

from app.lib import audit
from app.lib.auth import User
from app.lib.journal_files import append_json_line
from app.lib.snapshot import connect_read_only
from orchestration.actions.call_list import CallListRow
from orchestration.actions.push import PushRecord, push_csv, push_email, push_webhook
from orchestration.settings import Settings

ANY_CLINIC = "*"
METHODS = ("email", "webhook", "csv")
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


SMTP_PASSWORD_ENV = "PTLEADS_SMTP_PASSWORD"


class PushConfigError(ValueError):
    """push.yaml is malformed; the message names the file and key."""


@dataclass(frozen=True)
class PushTargets:
    sender: str = "ptleads@localhost"
    smtp_host: str | None = None
    smtp_port: int = 25
    starttls: bool = False
    smtp_user: str | None = None  # the password comes only from PTLEADS_SMTP_PASSWORD, never from a file
    recipients: dict[str, list[str]] = field(default_factory=dict)  # clinic id (or "*") -> addresses
    webhook_url: str | None = None
    csv_dir: Path | None = None

    @property
    def methods(self) -> tuple[str, ...]:
        have = {"email": bool(self.smtp_host), "webhook": bool(self.webhook_url), "csv": bool(self.csv_dir)}
        return tuple(m for m in METHODS if have[m])

    def recipients_for(self, clinic_id: str) -> list[str]:
        return self.recipients.get(clinic_id) or self.recipients.get(ANY_CLINIC) or []

    def describe(self, method: str) -> str:
        """Where a method sends, without credentials or query strings (safe to show and audit)."""
        if method == "email":
            return f"email via {self.smtp_host}:{self.smtp_port}"
        if method == "webhook":
            return f"webhook to {urlsplit(self.webhook_url or '').netloc}"
        return f"CSV files in {self.csv_dir}"


def push_config_file(settings: Settings | None = None) -> Path:
    """PTLEADS_PUSH, else push.yaml in the practice config folder."""
    if os.environ.get("PTLEADS_PUSH"):
        return Path(os.environ["PTLEADS_PUSH"])
    return (settings or Settings()).config_dir / "push.yaml"


def load_push_targets(settings: Settings | None = None) -> PushTargets | None:
    """The configured targets, or None when the practice configured no push."""
    s = settings or Settings()
    path = push_config_file(s)
    if not path.is_file():
        return None
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise PushConfigError(f"{path}: must be a mapping")
    email = doc.get("email") or {}
    webhook = doc.get("webhook") or {}
    if not isinstance(email, dict) or not isinstance(webhook, dict):
        raise PushConfigError(f"{path}: 'email' and 'webhook' must be mappings")
    if "smtp_password" in email or "password" in email:
        raise PushConfigError(f"{path}: no passwords in push.yaml; set {SMTP_PASSWORD_ENV} instead")
    recipients = email.get("recipients") or {}
    if not isinstance(recipients, dict) or not all(isinstance(v, list) for v in recipients.values()):
        raise PushConfigError(f"{path}: email.recipients must map clinic ids (or '*') to address lists")
    csv_dir = doc.get("csv_dir")
    return PushTargets(
        sender=str(email.get("sender") or PushTargets.sender),
        smtp_host=email.get("smtp_host"),
        smtp_port=int(email.get("smtp_port") or 25),
        starttls=bool(email.get("starttls", False)),
        smtp_user=email.get("smtp_user"),
        recipients={str(k): [str(a) for a in v] for k, v in recipients.items()},
        webhook_url=webhook.get("url"),
        # A relative drop folder lives beside the warehouse, like the outbox.
        csv_dir=(s.warehouse.parent / str(csv_dir)) if csv_dir else None,
    )


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
    records: list[PushRecord] = []
    if "email" in methods and targets.smtp_host:
        groups = {(r.clinic_id, r.owner_role) for r in rows}
        records += push_email(
            rows,
            as_of,
            host=targets.smtp_host,
            port=targets.smtp_port,
            sender=targets.sender,
            recipients={g: targets.recipients_for(g[0]) for g in groups},
            starttls=targets.starttls,
            username=targets.smtp_user,
            password=os.environ.get(SMTP_PASSWORD_ENV),
        )
    if "webhook" in methods and targets.webhook_url:
        records += push_webhook(rows, as_of, targets.webhook_url)
    if "csv" in methods and targets.csv_dir:
        records += push_csv(rows, targets.csv_dir, as_of)
    for record in records:
        entry = asdict(record)
        if record.method == "webhook":  # a URL may carry a token: keep only where it went
            entry["target"] = targets.describe("webhook")
        append_json_line(push_log_path(s), entry | {"user": user.username})
        audit.record(
            user,
            "push",
            f"{record.method}:{record.clinic_id}/{record.owner_role}",
            f"{record.rows} rows, {record.status}{f' ({record.detail})' if record.detail else ''}",
        )
    return records
