"""Every warehouse table the app names is one the publish step copies into the snapshot.

The snapshot holds ref and marts whole and only the raw/staging tables the app reads (SNAPSHOT_EXTRA_TABLES):
a page reading another would find nothing there, so the two lists are held together here."""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.serving.publish import SNAPSHOT_EXTRA_TABLES, SNAPSHOT_SCHEMAS

APP = Path(__file__).resolve().parents[2] / "app"
NAMED = re.compile(r"\b(raw|staging|intermediate|main)\.([a-z_0-9]+)\b")
CHECKED = re.compile(r"relation_exists\([^)]*?\"(\w+)\",\s*\"(\w+)\"\)")


def _named_tables() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= {(m[1], m[2]) for m in NAMED.finditer(text)}
        found |= {(m[1], m[2]) for m in CHECKED.finditer(text)}
    return found


def test_app_reads_only_published_tables() -> None:
    named = _named_tables()
    assert ("raw", "ingest_log") in named  # the scan sees the app's queries
    unpublished = {t for t in named if t[0] not in SNAPSHOT_SCHEMAS and t not in SNAPSHOT_EXTRA_TABLES}
    assert unpublished == set()
