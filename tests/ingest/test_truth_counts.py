"""On generator data: every source's record counts equal truth, 271 benefits are recovered exactly, and fax
field accuracy is reported per field (the fax engineer's tests hold the real thresholds)."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.fax_payers import canonical_payer, load_payer_aliases
from orchestration.ingest.sources import SOURCES

pytestmark = pytest.mark.slow
FAX_FLOOR = 0.90
FAX_FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "phone",
    "referring_npi",
    "diagnosis_codes",
    "zip",
    "payer",
    "member_id",
    "post_op",
    "surgery_date",
    "orders",
    "referring_name",
)


def _truth(gen: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    with open(gen / "truth" / "records.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["source"]].add(row["source_record_id"])
    return out


def test_record_counts_per_source_equal_truth(ingested) -> None:
    gen, db = ingested
    truth = _truth(gen)
    with duckdb.connect(str(db), read_only=True) as con:
        for source in SOURCES:
            if source.name not in truth:
                continue
            ids: set[str] = set()
            for table in source.tables:
                rows = con.execute(f"SELECT source_record_id FROM {table.qualified}").fetchall()
                got = [r[0] for r in rows]
                assert len(got) == len(set(got)), f"duplicate rows in {table.qualified}"
                ids.update(got)
            assert len(ids & truth[source.name]) == len(truth[source.name]), source.name


def test_271_benefits_recovered_exactly(ingested) -> None:
    gen, db = ingested
    expected = [json.loads(line) for line in (gen / "truth" / "eligibility.jsonl").read_text().splitlines()]
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT * FROM raw.eligibility_responses")
        names = [d[0] for d in cur.description]
        got = {
            r["source_record_id"]: r for r in (dict(zip(names, row, strict=True)) for row in cur.fetchall())
        }
    assert len(got) == len(expected)
    for truth in expected:
        row = got[truth["record_id"]]
        for key, value in truth.items():
            if key == "record_id":
                continue
            if key == "rejections":
                assert json.loads(row["rejections_json"] or "[]") == value, truth["record_id"]
                continue
            actual = row[key]
            actual = actual.isoformat() if hasattr(actual, "isoformat") else actual
            assert actual == value, (truth["record_id"], key)


def _norm(field: str, value, aliases: dict[str, str]):
    """Compare as the fax tests do: payers as their canonical name, doctors without credentials."""
    if field == "post_op":
        return bool(value)  # no surgery cue reads as None; truth says False: both mean "not post-op"
    if value is None or value == []:
        return None
    if field == "payer":
        known = canonical_payer(value, aliases)
        value = known[0] if known else value
    if field == "referring_name":
        value = re.sub(r",?\s+(MD|DO|NP|PA-C|PA|DPT|M\.D\.)$", "", value.strip(), flags=re.I)
    if field == "diagnosis_codes":
        return sorted(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip().lower() if isinstance(value, str) else value


def test_fax_field_accuracy_reported_per_field(ingested, capsys) -> None:
    gen, db = ingested
    truth = {
        t["source_record_id"]: t
        for t in map(json.loads, (gen / "truth" / "fax_fields.jsonl").read_text().splitlines())
    }
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT * FROM raw.fax_extractions")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) == len(truth)
    aliases = load_payer_aliases(gen / "config" / "payers.yaml")
    accuracy = {}
    for field in FAX_FIELDS:
        hits = sum(
            _norm(field, r[field], aliases) == _norm(field, truth[r["source_record_id"]].get(field), aliases)
            for r in rows
        )
        accuracy[field] = hits / len(rows)
    with capsys.disabled():
        print("\nfax field accuracy:", json.dumps({k: round(v, 3) for k, v in accuracy.items()}))
    assert min(accuracy.values()) >= FAX_FLOOR, accuracy
