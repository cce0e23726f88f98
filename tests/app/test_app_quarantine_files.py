"""Quarantined files on disk: a fax's sidecar (quarantined with it, no reason of its own) is listed under
its fax only and goes back to the inbox with it on re-queue."""

from __future__ import annotations

from pathlib import Path

from app.lib.quarantine_files import list_quarantined, requeue
from orchestration.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings().with_overrides(warehouse=tmp_path / "warehouse.duckdb", inbox=tmp_path / "inbox")


def test_sidecar_is_listed_and_requeued_with_its_fax(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    fax = settings.quarantine / "fax"
    fax.mkdir(parents=True)
    (fax / "fax_0007.pdf").write_bytes(b"x")
    (fax / "fax_0007.pdf.reason.txt").write_text("fax_0007.pdf: not a PDF or TIFF file\n")
    (fax / "fax_0007.json").write_text("{}")
    # An older orphan sidecar quarantined on its own keeps its own entry.
    (fax / "fax_0009.json").write_text("{}")
    (fax / "fax_0009.json.reason.txt").write_text("fax_0009.json: a fax sidecar without its fax\n")
    listed = list_quarantined(settings)
    assert [(f.name, f.reason) for f in listed] == [
        ("fax_0007.pdf", "fax_0007.pdf: not a PDF or TIFF file"),
        ("fax_0009.json", "fax_0009.json: a fax sidecar without its fax"),
    ]
    requeue(listed[0], settings)
    assert sorted(p.name for p in (settings.inbox / "fax").iterdir()) == ["fax_0007.json", "fax_0007.pdf"]
    assert sorted(p.name for p in fax.iterdir()) == ["fax_0009.json", "fax_0009.json.reason.txt"]
