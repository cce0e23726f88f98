"""Append-only audit log of who saw or changed what: `<app_store>/audit.jsonl` (never the warehouse).

Entries hold ids (lead id, file name, model version), never PHI values, so the log itself is safe to
show an admin and to ship to a SIEM.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from app.lib.auth import User
from app.lib.journal_files import append_json_line, read_json_lines
from orchestration.settings import Settings

ACTIONS = (
    "login",
    "login_failed",
    "view_phi",
    "export",
    "push",
    "outcome",
    "correction",
    "requeue",
    "retrain",
    "promote",
)


@dataclass(frozen=True)
class AuditEntry:
    audit_id: str
    at: str
    user: str
    role: str
    action: str
    target: str
    detail: str


def audit_path(settings: Settings | None = None) -> Path:
    return (settings or Settings()).app_store / "audit.jsonl"


def record(user: User | str, action: str, target: str = "", detail: str = "") -> AuditEntry:
    """Append one entry; `user` is a signed-in User or, for failed logins, the name that was tried."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    name, role = (user.username, user.role) if isinstance(user, User) else (str(user), "")
    entry = AuditEntry(
        audit_id=uuid.uuid4().hex,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        user=name,
        role=role,
        action=action,
        target=target,
        detail=detail,
    )
    append_json_line(audit_path(), asdict(entry))
    return entry


def read_entries(path: Path | None = None) -> pl.DataFrame:
    """Every entry, newest first."""
    rows = read_json_lines(path or audit_path())
    schema = {f: pl.Utf8 for f in AuditEntry.__dataclass_fields__}
    if not rows:
        return pl.DataFrame(schema=schema)
    # The file is append-ordered and `at` has one-second resolution: reverse first so entries
    # written within the same second still come out newest first under the stable sort.
    newest_first = [{k: str(r.get(k, "")) for k in schema} for r in reversed(rows)]
    return pl.DataFrame(newest_first, schema=schema).sort("at", descending=True, maintain_order=True)
