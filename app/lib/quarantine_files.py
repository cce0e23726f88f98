"""Quarantined inbox files on disk (`<warehouse dir>/quarantine/<source>/`), and putting one back."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import Settings

REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class QuarantinedFile:
    source: str
    name: str
    path: Path
    reason: str
    bytes: int


def list_quarantined(settings: Settings | None = None) -> list[QuarantinedFile]:
    root = (settings or Settings()).quarantine
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.endswith(REASON_SUFFIX):
                continue
            reason_file = path.with_name(path.name + REASON_SUFFIX)
            reason = reason_file.read_text(encoding="utf-8").strip() if reason_file.is_file() else ""
            found.append(QuarantinedFile(folder.name, path.name, path, reason, path.stat().st_size))
    return found


def requeue(item: QuarantinedFile, settings: Settings | None = None) -> Path:
    """Move the (fixed) file back into `<inbox>/<source>/`; the next run ingests it again."""
    s = settings or Settings()
    root = s.quarantine.resolve()
    if root not in item.path.resolve().parents:
        raise ValueError("not a quarantined file")
    target = s.inbox / item.source / item.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(item.path), str(target))
    item.path.with_name(item.name + REASON_SUFFIX).unlink(missing_ok=True)
    return target
