"""run_pipeline leaves the parse workers unstarted when no inbox folder changed since the last successful
run began (nothing_landed); anything landed, moved in or removed since starts them as before."""

from __future__ import annotations

import json
import os
from pathlib import Path

from orchestration.pipeline import inbox_folders, nothing_landed


def _later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_nothing_landed_only_when_every_folder_is_as_stamped(tmp_path: Path) -> None:
    inbox, stamp = tmp_path / "inbox", tmp_path / "logs" / "inbox_folders.json"
    (inbox / "hl7v2").mkdir(parents=True)
    (inbox / "fhir").mkdir()
    (inbox / "hl7v2" / "a.hl7").write_text("x")
    assert nothing_landed(inbox, stamp) == (False, inbox_folders(inbox))  # no stamp: a first run
    stamp.parent.mkdir()
    stamp.write_text(json.dumps(inbox_folders(inbox)))
    assert nothing_landed(inbox, stamp)[0]

    (inbox / "fhir" / "Patient.ndjson").write_text("{}")  # a file landed: its folder changed
    _later(inbox / "fhir")  # (past the file system's timestamp step)
    landed, folders = nothing_landed(inbox, stamp)
    assert not landed and folders["fhir"] != json.loads(stamp.read_text())["fhir"]

    stamp.write_text(json.dumps(folders))
    assert nothing_landed(inbox, stamp)[0]
    (inbox / "sms").mkdir()  # a new source folder
    assert not nothing_landed(inbox, stamp)[0]
    stamp.write_text("{not json")
    assert not nothing_landed(inbox, stamp)[0]
