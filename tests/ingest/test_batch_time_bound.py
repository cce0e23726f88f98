"""A batch commits after BATCH_MAX_S seconds of parsing for in-process sources and after BATCH_MAX_S_POOLED
for the pool's sources, whose wall-clock parse seconds the machine's load stretches."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingest import framework, ingest_commits
from orchestration.ingest.framework import ParseContext, ingest_source
from orchestration.ingest.ingest_commits import BATCH_MAX_S, BATCH_MAX_S_POOLED, Batch, ReadyFile
from orchestration.ingest.outcomes import OUTCOMES_SOURCE
from orchestration.ingest.webforms import WEBFORMS


def _parsed_for(seconds: float) -> ReadyFile:
    return ReadyFile(1, "a.jsonl", "0" * 64, 10, 1, "ok", None, seconds, {})


def test_the_pooled_bound_is_longer_and_each_batch_keeps_its_own() -> None:
    assert BATCH_MAX_S_POOLED > BATCH_MAX_S
    between = (BATCH_MAX_S + BATCH_MAX_S_POOLED) / 2
    in_process, pooled = Batch(), Batch(BATCH_MAX_S_POOLED)
    for batch in (in_process, pooled):
        batch.add(_parsed_for(between))
    assert in_process.full() and not pooled.full()
    pooled.add(_parsed_for(BATCH_MAX_S_POOLED - between))
    assert pooled.full()


def test_ingest_source_gives_pool_sources_the_pooled_bound(tmp_path: Path, monkeypatch) -> None:
    bounds: list[float] = []

    class Spy(Batch):
        def __init__(self, max_parse_s: float = BATCH_MAX_S) -> None:
            bounds.append(max_parse_s)
            super().__init__(max_parse_s)

    monkeypatch.setattr(framework, "Batch", Spy)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ctx = ParseContext(tmp_path / "config", warehouse_dir=tmp_path)
    for source in (WEBFORMS, OUTCOMES_SOURCE):
        (tmp_path / "inbox" / source.name).mkdir(parents=True)
        ingest_source(con, source, tmp_path / "inbox", tmp_path / "q", ctx, workers=0)
    assert WEBFORMS.parallel and not OUTCOMES_SOURCE.parallel
    assert bounds == [ingest_commits.BATCH_MAX_S_POOLED, ingest_commits.BATCH_MAX_S]
