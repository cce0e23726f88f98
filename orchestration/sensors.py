"""One sensor per inbox folder: a new or changed file (name, size, mtime) requests a pipeline run."""

from __future__ import annotations

import hashlib
import json

from dagster import RunRequest, SensorDefinition, SensorEvaluationContext, SkipReason, sensor

from orchestration.ingest.framework import Source, list_inbox
from orchestration.ingest.sources import SOURCES
from orchestration.settings import Settings

PIPELINE_JOB_NAME = "ptleads_pipeline"


def inbox_fingerprint(source: Source, settings: Settings) -> dict[str, str]:
    """name -> size:mtime of every file the source would take (cheap; content hashing is ingestion's job)."""
    files = list_inbox(settings.inbox / source.name, source)
    return {p.name: f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files}


def build_inbox_sensor(source: Source) -> SensorDefinition:
    @sensor(name=f"inbox_{source.name}", job_name=PIPELINE_JOB_NAME, minimum_interval_seconds=60)
    def _sensor(context: SensorEvaluationContext):
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        current = inbox_fingerprint(source, Settings())
        new = sorted(name for name, stamp in current.items() if seen.get(name) != stamp)
        context.update_cursor(json.dumps(current, sort_keys=True))
        if not new:
            return SkipReason(f"no new files in inbox/{source.name}")
        run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
        return RunRequest(
            run_key=f"{source.name}-{run_key}", tags={"inbox": source.name, "files": str(len(new))}
        )

    return _sensor


INBOX_SENSORS: list[SensorDefinition] = [build_inbox_sensor(s) for s in SOURCES]
