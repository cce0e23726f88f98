"""Raw tables whose unique id columns are stored uncompressed.

A random id (SendGrid's sg_event_id, which is also the event's source_record_id) has no repeats for a
dictionary and little for FSST, yet DuckDB analyses and FSST-compresses it at commit, in the ingest's one
writing process: at 100k leads raw.email_events' insert + commit took 0.61-0.65 CPU-s by default and
0.49-0.51 with its two id columns uncompressed, the table 26.2 -> 28.7 MB (the same trade as the snapshot's
ids, 276ac5a). New tables only: an existing warehouse keeps its tables as they were created.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingest.records import RawTable


@dataclass(frozen=True)
class PlainIdTable(RawTable):
    """A RawTable whose `id_columns` (VARCHAR) are created with `USING COMPRESSION uncompressed`."""

    id_columns: tuple[str, ...] = ("source_record_id",)

    def create_sql(self) -> str:
        return self.create_sql_compressing(dict.fromkeys(self.id_columns, "uncompressed"))
