"""The floor: how long DuckDB takes merely to read the same inbox files into tables, with no parsing
logic of ours (read_csv / read_json_objects / read_text / read_blob). Pipeline time / floor time says
how much our parsing, identity, modelling and scoring cost over reading the bytes."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import duckdb

# Which DuckDB reader a file goes through, by suffix (SendGrid's .json files are JSON arrays).
_READERS = {
    ".csv": "read_csv({files}, all_varchar = true, union_by_name = true, filename = true)",
    ".jsonl": "read_ndjson_objects({files}, filename = true)",
    ".ndjson": "read_ndjson_objects({files}, filename = true)",
    ".json": "read_json_objects({files}, format = 'auto', filename = true)",
    ".hl7": "read_text({files})",
    ".x12": "read_text({files})",
}
_BLOB = "read_blob({files})"  # fax PDFs and TIFFs: bytes only


def read_inbox(inbox: Path, database: Path) -> dict[str, object]:
    """Load every file under `inbox` into one table per (source, reader); returns rows and seconds."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(inbox.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            source = path.relative_to(inbox).parts[0]
            groups[(source, path.suffix.lower())].append(str(path))
    con = duckdb.connect(str(database))
    rows = 0
    started, cpu = time.perf_counter(), time.process_time()
    try:
        for (source, suffix), files in sorted(groups.items()):
            reader = _READERS.get(suffix, _BLOB)
            if source == "fax" and suffix == ".json":
                reader = "read_json_objects({files}, filename = true)"  # fax sidecars: one object each
            table = f"floor_{source}_{suffix.lstrip('.') or 'none'}"
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM " + reader.format(files=files))
            rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()
    return {
        "files": sum(len(f) for f in groups.values()),
        "bytes": sum(Path(f).stat().st_size for files in groups.values() for f in files),
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
    }
