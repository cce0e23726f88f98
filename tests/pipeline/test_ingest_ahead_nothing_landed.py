"""run_pipeline starts the ingest child only when an inbox folder changed since the last successful run
began (with nothing landed the ingest step finds nothing new itself, cheaper than the child's interpreter
and imports), and then with PTLEADS_INGEST_AHEAD=1, or unset for an inbox with a long history."""

from __future__ import annotations

import json
from pathlib import Path

import dagster
import pytest

from orchestration import pipeline
from orchestration.ingest import ingest_ahead
from orchestration.settings import REPO_ROOT, Settings


class _Stop(Exception):
    pass


def _started_ahead(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether run_pipeline started the ingest child (the run itself stops before any step)."""
    started: list[Path] = []
    monkeypatch.setattr(ingest_ahead, "start", lambda inbox, *_args, **_kw: started.append(inbox))

    def no_run(*_args: object, **_kwargs: object) -> None:
        raise _Stop("stopped before the run")

    monkeypatch.setattr(dagster, "materialize", no_run)
    with pytest.raises(pipeline.PipelineError, match="_Stop"):
        pipeline.run_pipeline(settings, lambda _message: None)
    return bool(started)


def test_ingest_ahead_only_when_something_landed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ingest_ahead.AHEAD_ENV, "1")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    inbox = tmp_path / "inbox"
    (inbox / "fhir").mkdir(parents=True)
    (inbox / "fhir" / "a.ndjson").write_text("{}\n")
    settings = Settings().with_overrides(
        inbox=inbox, warehouse=tmp_path / "wh" / "w.duckdb", config_dir=REPO_ROOT / "config"
    )
    assert _started_ahead(settings, monkeypatch)  # no stamp yet: a first run

    stamp = settings.warehouse.parent / "logs" / pipeline.INBOX_STAMP
    stamp.write_text(json.dumps(pipeline.inbox_folders(inbox)))  # as a successful run leaves it
    assert not _started_ahead(settings, monkeypatch)

    stamp.write_text("{}")  # something landed
    monkeypatch.setenv(ingest_ahead.AHEAD_ENV, "0")
    assert not _started_ahead(settings, monkeypatch)
    monkeypatch.delenv(ingest_ahead.AHEAD_ENV)
    assert not _started_ahead(settings, monkeypatch)  # unset: a short history ingests in its step
    monkeypatch.setattr(ingest_ahead, "LONG_HISTORY_FILES", 1)
    assert _started_ahead(settings, monkeypatch)  # unset: a long history
