"""Resolve a fax extraction's page image references to files on disk (PNGs under the warehouse dir)."""

from __future__ import annotations

from pathlib import Path

from orchestration.settings import Settings


def page_image_files(refs: list[str] | None, settings: Settings | None = None) -> list[Path]:
    """Existing PNG files among the refs; relative refs are taken under `<warehouse dir>`. Refs like
    `<file>#page=n` (no image store at ingest time) have no image and are skipped."""
    root = (settings or Settings()).warehouse.parent
    found = []
    for ref in refs or []:
        if "#page=" in ref:
            continue
        path = Path(ref)
        path = path if path.is_absolute() else root / path
        if path.is_file():
            found.append(path)
    return found
