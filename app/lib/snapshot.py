"""Find and open the published serving snapshot; the app never opens the pipeline's warehouse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.settings import Settings

NO_SNAPSHOT_MESSAGE = "No data published yet: run `ptleads run`"


@dataclass(frozen=True)
class SnapshotInfo:
    """What snapshot.json says about a published snapshot. published_at keys the query caches."""

    path: Path
    published_at: str
    as_of: datetime | None = None
    row_counts: dict[str, int] = field(default_factory=dict)


def snapshot_path(settings: Settings | None = None) -> Path:
    """The snapshot file for the current environment (PTLEADS_WAREHOUSE decides its folder)."""
    return (settings or Settings()).snapshot


def _parse_ts(value: object) -> datetime | None:
    if not value:
        return None
    ts = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def read_snapshot_info(path: Path) -> SnapshotInfo | None:
    """The snapshot's metadata, or None when nothing was published yet.

    A snapshot without its JSON sidecar still opens; the file's mtime stands in for published_at so a
    re-publish still invalidates the caches.
    """
    if not path.is_file():
        return None
    meta_file = path.with_name("snapshot.json")
    meta: dict[str, object] = {}
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    published = meta.get("published_at") or datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
    counts = meta.get("row_counts") or meta.get("rows") or {}
    return SnapshotInfo(
        path=path,
        published_at=str(published),
        as_of=_parse_ts(meta.get("as_of")),
        row_counts={str(k): int(v) for k, v in dict(counts).items()},  # type: ignore[call-overload]
    )


def connect_read_only(path: Path | str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def freshness(published_at: str, now: datetime | None = None) -> str:
    """'published 3 h ago' style age of a snapshot, for staff to judge whether the list is current."""
    published = _parse_ts(published_at)
    if published is None:
        return "publish time unknown"
    seconds = max(0.0, ((now or datetime.now(UTC)) - published).total_seconds())
    if seconds < 90:
        return "published just now"
    if seconds < 90 * 60:
        return f"published {round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"published {round(seconds / 3600)} h ago"
    return f"published {round(seconds / 86400)} days ago"
