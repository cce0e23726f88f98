"""Where a practice lets its call lists go: `push.yaml` (PTLEADS_PUSH, else `<config dir>/push.yaml`), read
by the app's push button and by the run's own push right after the call list (`after_run`).

Staff never type an address or URL: a list of patients goes only to targets an admin configured. No password
is read from the file (PTLEADS_SMTP_PASSWORD only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from orchestration.actions.call_list import CallListRow
from orchestration.actions.push import PushRecord, push_csv, push_email, push_webhook
from orchestration.settings import Settings

ANY_CLINIC = "*"
METHODS = ("email", "webhook", "csv")
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
    # Methods every pipeline run pushes its new call list by, as soon as it is written (empty: none).
    after_run: tuple[str, ...] = ()

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


def _after_run(path: Path, value: object, configured: tuple[str, ...]) -> tuple[str, ...]:
    """`after_run: true` (every configured method), a list of methods, or absent/false (none)."""
    if value is None or value is False:
        return ()
    if value is True:
        return configured
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise PushConfigError(f"{path}: after_run must be true, false or a list of {', '.join(METHODS)}")
    unknown = [m for m in value if m not in METHODS]
    if unknown:
        raise PushConfigError(f"{path}: after_run: unknown method {unknown[0]!r} (not {', '.join(METHODS)})")
    missing = [m for m in value if m not in configured]
    if missing:
        raise PushConfigError(f"{path}: after_run names {missing[0]}, which push.yaml does not configure")
    return tuple(m for m in METHODS if m in value)


def load_push_targets(settings: Settings | None = None) -> PushTargets | None:
    """The configured targets, or None when the practice configured no push."""
    s = settings or Settings()
    path = push_config_file(s)
    if not path.is_file():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PushConfigError(f"{path}: not valid YAML ({type(exc).__name__})") from None
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
    targets = PushTargets(
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
    return replace(targets, after_run=_after_run(path, doc.get("after_run"), targets.methods))


def send(
    rows: list[CallListRow], targets: PushTargets, methods: tuple[str, ...], as_of: datetime
) -> list[PushRecord]:
    """Send `rows` by each chosen method that is configured. Failures are returned, not raised (a mail
    server being down must not lose the rest of the push). Webhook records name only the host (a URL may
    carry a token)."""
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
        sent = push_webhook(rows, as_of, targets.webhook_url)
        records += [replace(r, target=targets.describe("webhook")) for r in sent]
    if "csv" in methods and targets.csv_dir:
        records += push_csv(rows, targets.csv_dir, as_of)
    return records
