"""Durable appends to JSON Lines files: O_APPEND so concurrent sessions never interleave a line, fsync
so an acknowledged click survives a crash. Used by the audit log, outcomes and fax corrections."""

from __future__ import annotations

import json
import os
from pathlib import Path


def append_json_line(path: Path, record: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json_lines(path: Path) -> list[dict[str, object]]:
    """Every parseable line (a torn last line after a crash is skipped, not fatal)."""
    if not path.is_file():
        return []
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            rows.append(obj)
    return rows
