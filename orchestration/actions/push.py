"""Push a call list to staff: CSV file per clinic/owner, email over SMTP (with AUTH if set), JSON webhook.

Every push returns `PushRecord`s (what was sent where, how many rows, bytes, ok/failed) and
`record_pushes` appends them to `marts.push_log`. The log holds no PHI: counts, targets and lead ids.
"""

from __future__ import annotations

import csv
import io
import json
import smtplib
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import duckdb

from orchestration.actions.call_list import CallListRow

CSV_COLUMNS = [f.name for f in fields(CallListRow)]


@dataclass(frozen=True, slots=True)
class PushRecord:
    pushed_at: datetime
    method: str  # csv | email | webhook
    target: str  # file path, recipient list, or URL (no PHI)
    clinic_id: str
    owner_role: str
    rows: int
    bytes: int
    status: str  # ok | failed
    detail: str  # error class or server reply code, never content
    lead_ids: str  # comma-separated lead ids sent


def _groups(rows: Iterable[CallListRow]) -> dict[tuple[str, str], list[CallListRow]]:
    out: dict[tuple[str, str], list[CallListRow]] = {}
    for row in rows:
        out.setdefault((row.clinic_id, row.owner_role), []).append(row)
    return out


def call_list_csv(rows: list[CallListRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                getattr(row, c).isoformat() if isinstance(getattr(row, c), datetime) else getattr(row, c)
                for c in CSV_COLUMNS
            ]
        )
    return buf.getvalue()


def _ids(rows: list[CallListRow]) -> str:
    return ",".join(r.lead_id for r in rows)


def push_csv(rows: Iterable[CallListRow], out_dir: Path, as_of: datetime) -> list[PushRecord]:
    """One CSV per clinic and owner role: `<out_dir>/<date>/call_list_<clinic>_<owner>.csv`."""
    records: list[PushRecord] = []
    for (clinic, owner), group in _groups(rows).items():
        path = out_dir / f"{as_of:%Y-%m-%d}" / f"call_list_{clinic}_{owner}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = call_list_csv(group)
        tmp = path.with_suffix(".csv.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a file
        records.append(
            PushRecord(
                as_of, "csv", str(path), clinic, owner, len(group), len(text.encode()), "ok", "", _ids(group)
            )
        )
    return records


def push_email(
    rows: Iterable[CallListRow],
    as_of: datetime,
    *,
    host: str,
    port: int,
    sender: str,
    recipients: dict[tuple[str, str], list[str]] | list[str],
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 10.0,
) -> list[PushRecord]:
    """One message per clinic/owner with the list as text and the CSV attached.

    `recipients` maps (clinic, owner role) to addresses, or is one list for every group. With a
    `username` the server's AUTH is used (after STARTTLS when asked); a refused login is recorded as a
    failed push naming only the error type, never the credentials.
    """
    records: list[PushRecord] = []
    for (clinic, owner), group in _groups(rows).items():
        to = recipients if isinstance(recipients, list) else recipients.get((clinic, owner), [])
        if not to:
            records.append(
                PushRecord(
                    as_of, "email", "", clinic, owner, len(group), 0, "failed", "no recipients", _ids(group)
                )
            )
            continue
        msg = EmailMessage()
        msg["Subject"] = f"Call list {clinic} {owner} {as_of:%Y-%m-%d} ({len(group)} leads)"
        msg["From"] = sender
        msg["To"] = ", ".join(to)
        lines = [f"{r.rank}. {r.action} by {r.channel}, due {r.due_at:%H:%M} UTC - {r.reason}" for r in group]
        msg.set_content("\n".join(lines) + "\n")
        csv_text = call_list_csv(group)
        msg.add_attachment(
            csv_text.encode(),
            maintype="text",
            subtype="csv",
            filename=f"call_list_{clinic}_{owner}_{as_of:%Y%m%d}.csv",
        )
        payload = msg.as_bytes()
        try:
            with smtplib.SMTP(host, port, timeout=timeout) as smtp:
                if starttls:
                    smtp.starttls()
                if username:
                    smtp.login(username, password or "")
                smtp.send_message(msg)
            status, detail = "ok", ""
        except (OSError, smtplib.SMTPException) as exc:
            status, detail = "failed", type(exc).__name__
        records.append(
            PushRecord(
                as_of,
                "email",
                ",".join(to),
                clinic,
                owner,
                len(group),
                len(payload),
                status,
                detail,
                _ids(group),
            )
        )
    return records


def webhook_payload(clinic: str, owner: str, as_of: datetime, rows: list[CallListRow]) -> dict:
    return {
        "kind": "ptleads.call_list",
        "as_of": as_of.isoformat(),
        "clinic_id": clinic,
        "owner_role": owner,
        "rows": [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(r).items()} for r in rows
        ],
    }


def push_webhook(
    rows: Iterable[CallListRow], as_of: datetime, url: str, timeout: float = 10.0
) -> list[PushRecord]:
    """POST one JSON document per clinic/owner to `url`."""
    records: list[PushRecord] = []
    for (clinic, owner), group in _groups(rows).items():
        body = json.dumps(webhook_payload(clinic, owner, as_of, group)).encode()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status = "ok" if 200 <= response.status < 300 else "failed"
                detail = str(response.status)
        except OSError as exc:  # URLError and HTTPError are OSErrors
            status, detail = "failed", (getattr(exc, "code", None) and str(exc.code)) or type(exc).__name__
        records.append(
            PushRecord(
                as_of, "webhook", url, clinic, owner, len(group), len(body), status, detail, _ids(group)
            )
        )
    return records


PUSH_LOG_DDL = """
create schema if not exists marts;
create table if not exists marts.push_log (
    pushed_at timestamp, method varchar, target varchar, clinic_id varchar, owner_role varchar,
    rows integer, bytes bigint, status varchar, detail varchar, lead_ids varchar, logged_at timestamp
)
"""


def record_pushes(con: duckdb.DuckDBPyConnection, records: Iterable[PushRecord]) -> int:
    """Append push records to marts.push_log; returns how many."""
    con.execute(PUSH_LOG_DDL)
    values = [
        (
            r.pushed_at,
            r.method,
            r.target,
            r.clinic_id,
            r.owner_role,
            r.rows,
            r.bytes,
            r.status,
            r.detail,
            r.lead_ids,
        )
        for r in records
    ]
    if values:
        con.executemany(
            "insert into marts.push_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)", values
        )
    return len(values)
