"""A cut file's first chunks go to the pool while the parent still reads and hashes the rest of it, and a file
whose content is already known has those chunks dropped."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

from orchestration.ingest import parse_pool
from orchestration.ingest.fhir import FHIR

_CHUNK = 2_000


def _ndjson(tmp_path: Path, n: int = 200) -> Path:
    lines = [json.dumps({"resourceType": "Patient", "id": f"p{i}", "gender": "female"}) for i in range(n)]
    path = tmp_path / "Patient.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


def _recording_pool(monkeypatch, events: list[str]) -> list[Future]:
    """_submit runs the task in-process at once and notes it; scan_file notes its end."""
    futures: list[Future] = []

    def submit(_workers, fn, *args):
        events.append("submit")
        future: Future = Future()
        future.set_result(fn(*args))
        futures.append(future)
        return future

    real_scan = parse_pool.scan_file

    def scan(*args, **kwargs):
        result = real_scan(*args, **kwargs)
        events.append("scanned")
        return result

    monkeypatch.setattr(parse_pool, "_submit", submit)
    monkeypatch.setattr(parse_pool, "scan_file", scan)
    monkeypatch.setattr(parse_pool, "CHUNK_BYTES", _CHUNK)
    monkeypatch.setattr(parse_pool, "POOL_MIN_BYTES", 0)
    return futures


def test_first_chunks_are_sent_before_the_scan_ends(tmp_path, monkeypatch, ctx) -> None:
    events: list[str] = []
    _recording_pool(monkeypatch, events)
    path = _ndjson(tmp_path)
    (job,) = parse_pool.file_jobs(
        [path], FHIR.parse, ctx, set(), True, workers=2, chunking=lambda _p: "lines"
    )
    assert job.is_cut and len(job.chunks) > 4
    assert events[:3] == ["submit", "submit", "scanned"]  # one chunk a worker, before the hash is known
    parts = list(job.parts())
    assert sum(p.records for p in parts) == 200
    assert [c.start for c in job.chunks] == sorted(c.start for c in job.chunks)
    assert events.count("submit") == len(job.chunks)  # each chunk parsed once


def test_chunks_of_known_content_are_dropped(tmp_path, monkeypatch, ctx) -> None:
    events: list[str] = []
    _recording_pool(monkeypatch, events)
    path = _ndjson(tmp_path)
    known = {parse_pool.scan_file(path, None, 10**9).sha}
    events.clear()
    (job,) = parse_pool.file_jobs(
        [path], FHIR.parse, ctx, known, True, workers=2, chunking=lambda _p: "lines"
    )
    assert events[:3] == ["submit", "submit", "scanned"]
    assert job._chunk_futures == {} and job._chunks_sent == 0 and job._pool_workers == 0
