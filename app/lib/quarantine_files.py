"""Quarantined inbox files on disk (`<warehouse dir>/quarantine/<source>/`), and putting one back."""

from __future__ import annotations

import glob
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


def _has_reason(path: Path) -> bool:
    return path.with_name(path.name + REASON_SUFFIX).is_file()


def companions(path: Path) -> list[Path]:
    """Files quarantined along with `path` (a fax's `.json` sidecar): same stem, no reason of their own."""
    return sorted(
        p
        for p in path.parent.glob(f"{glob.escape(path.stem)}.*")
        if p != path and p.is_file() and not p.name.endswith(REASON_SUFFIX) and not _has_reason(p)
    )


def list_quarantined(settings: Settings | None = None) -> list[QuarantinedFile]:
    """One entry per quarantined file with its reason; a companion is listed under its file only."""
    root = (settings or Settings()).quarantine
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.endswith(REASON_SUFFIX)]
        carried = {c for p in files if _has_reason(p) for c in companions(p)}
        for path in files:
            if path in carried:
                continue
            reason_file = path.with_name(path.name + REASON_SUFFIX)
            reason = reason_file.read_text(encoding="utf-8").strip() if reason_file.is_file() else ""
            found.append(QuarantinedFile(folder.name, path.name, path, reason, path.stat().st_size))
    return found


def requeue(item: QuarantinedFile, settings: Settings | None = None) -> Path:
    """Move the (fixed) file and its companions back into `<inbox>/<source>/`; the next run ingests them."""
    s = settings or Settings()
    root = s.quarantine.resolve()
    if root not in item.path.resolve().parents:
        raise ValueError("not a quarantined file")
    target = s.inbox / item.source / item.name
    target.parent.mkdir(parents=True, exist_ok=True)
    carried = companions(item.path) if _has_reason(item.path) else []
    # Companions first: the inbox sensor must never see the fax back without its sidecar.
    for companion in carried:
        shutil.move(str(companion), str(target.parent / companion.name))
    shutil.move(str(item.path), str(target))
    item.path.with_name(item.name + REASON_SUFFIX).unlink(missing_ok=True)
    return target
