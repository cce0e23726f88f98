"""Raw tables whose verbatim JSON copy (resource_json, raw_json) is stored zstd-compressed.

That column is kept for lineage and replay; no dbt model reads it. DuckDB's default string compression
analyses and FSST-compresses it at commit, which was most of the insert cost of a large table: the
20k-lead FHIR Appointment export (92k rows, ~0.9 KB of JSON each) took 8.7-8.9 us a row to insert and
commit by default, 5.3 us with zstd, and its table shrank from 37 MB to 9 MB. Small tables (under one
row group) cost the same either way and still shrink (Patient 6.0 -> 3.2 MB); web forms x20 (151k rows):
5.0 -> 3.6 us a row, 33.8 -> 17.3 MB. New tables only: an
existing warehouse keeps its tables as they were created (CREATE TABLE IF NOT EXISTS).

`plain_ids`: unique random id columns stored uncompressed besides (as PlainIdTable does): a UUID has no
repeats for a dictionary and little for FSST, yet DuckDB analyses and FSST-compresses it at commit in the
ingest's one writing process. The FHIR tables' source_record_id at 100k leads (699k resources): insert +
commit of the four large tables 2.71 -> 2.36-2.58 CPU-s; the FHIR ingest's writing process 3.7-3.9 ->
3.3-3.7 CPU-s (benchmarks/fhir_ingest_cpu.py, two A/B sets of 3); the tables 80.3 -> 93.0 MB.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingest.records import RawTable


@dataclass(frozen=True)
class ZstdJsonTable(RawTable):
    """A RawTable whose `json_column` is created with `USING COMPRESSION zstd`."""

    json_column: str = "resource_json"
    plain_ids: tuple[str, ...] = ()

    def create_sql(self) -> str:
        return self.create_sql_compressing(
            {self.json_column: "zstd"} | dict.fromkeys(self.plain_ids, "uncompressed")
        )
