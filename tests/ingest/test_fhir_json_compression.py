"""The FHIR raw tables (and web-form submissions) store their verbatim JSON zstd-compressed (cheaper to
commit at scale and 2-4x smaller than DuckDB's default string compression), and the column still reads
back every line as it was."""

from __future__ import annotations

import json

import duckdb
import pytest

from orchestration.ingest.fhir import FHIR, TABLES
from orchestration.ingest.records import RawTable
from orchestration.ingest.webforms import SUBMISSIONS
from orchestration.ingest.zstd_json_tables import ZstdJsonTable


def test_every_fhir_table_declares_zstd_for_its_json_copy() -> None:
    for table in TABLES.values():
        sql = table.create_sql()
        assert "\n  resource_json VARCHAR USING COMPRESSION zstd,\n" in sql
        assert "\n  source_record_id VARCHAR USING COMPRESSION uncompressed,\n" in sql
        assert sql.count("USING COMPRESSION") == 2


def test_web_form_submissions_declare_zstd_for_raw_json() -> None:
    assert "\n  raw_json VARCHAR USING COMPRESSION zstd,\n" in SUBMISSIONS.create_sql()


def test_a_table_without_that_column_is_refused() -> None:
    with pytest.raises(TypeError):
        ZstdJsonTable(
            TABLES["Patient"].name, TABLES["Patient"].record_type, json_column="raw_json"
        ).create_sql()


def test_other_columns_are_declared_as_the_plain_raw_table_declares_them() -> None:
    for table in TABLES.values():
        plain = RawTable(table.name, table.record_type).create_sql()
        declared = table.create_sql().replace(" USING COMPRESSION zstd", "")
        assert declared.replace(" USING COMPRESSION uncompressed", "") == plain


def test_plain_ids_default_to_none() -> None:
    assert SUBMISSIONS.create_sql().count("USING COMPRESSION") == 1


def test_ingested_resource_json_is_zstd_and_reads_back(warehouse) -> None:
    lines = [
        json.dumps(
            {"resourceType": "Appointment", "id": f"a{i}", "status": "booked", "description": "x" * (i % 50)},
            separators=(",", ":"),
        )
        for i in range(3000)
    ]
    warehouse.drop("fhir", "Appointment.ndjson", "\n".join(lines) + "\n")
    assert warehouse.ingest(FHIR).records == 3000
    with_checkpoint = warehouse.query(
        "SELECT resource_json FROM raw.fhir_appointments ORDER BY source_record_id"
    )
    assert sorted(r[0] for r in with_checkpoint) == sorted(lines)
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("CHECKPOINT")
        kinds = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT compression FROM pragma_storage_info('raw.fhir_appointments') "
                "WHERE column_name = 'resource_json' AND segment_type = 'VARCHAR'"
            ).fetchall()
        }
        ids = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT compression FROM pragma_storage_info('raw.fhir_appointments') "
                "WHERE column_name = 'source_record_id' AND segment_type = 'VARCHAR'"
            ).fetchall()
        }
    assert kinds == {"ZSTD"}
    assert ids == {"Uncompressed"}
    assert {r[0] for r in warehouse.query("SELECT source_record_id FROM raw.fhir_appointments")} == {
        f"a{i}" for i in range(3000)
    }
