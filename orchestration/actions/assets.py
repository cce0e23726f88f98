"""Dagster assets `next_actions` and `staff_call_list`: run the engine on the warehouse and write
marts.next_actions, marts.staff_call_list and marts.insurance_tasks (replaced on every run)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import get_type_hints

import duckdb
import pyarrow as pa
from dagster import AssetKey, MaterializeResult, asset

from orchestration.actions import warehouse_reads as reads
from orchestration.actions.call_list import CallListRow, build_call_list
from orchestration.actions.engine import EngineContext, NextAction, next_actions
from orchestration.actions.insurance_tasks import InsuranceTask, insurance_task
from orchestration.actions.sequences import load_compliance, load_sequences
from orchestration.actions.slots import SlotRequest, best_slots, describe_slots, open_slots
from orchestration.practice_config import load_practice_config
from orchestration.resources import PtleadsSettings, WarehouseResource, progress

UPSTREAM = [AssetKey(["marts", m]) for m in ("fct_leads", "fct_touches", "fct_appointments", "dim_persons")]


_SQL_TYPES = {str: "VARCHAR", float: "DOUBLE", int: "INTEGER", bool: "BOOLEAN", datetime: "TIMESTAMP"}


def _sql_type(hint: object) -> str:
    for py, sql in _SQL_TYPES.items():
        if hint is py or py in getattr(hint, "__args__", ()):
            return sql
    return "VARCHAR"


def _write(con: duckdb.DuckDBPyConnection, table: str, cls: type, rows: list) -> None:
    """Replace marts.<table> with `rows` (dataclasses of `cls`); typed even when empty."""
    hints = get_type_hints(cls)
    columns = ", ".join(f"{f.name} {_sql_type(hints[f.name])}" for f in fields(cls))
    con.execute("create schema if not exists marts")
    con.execute(f"create or replace table marts.{table} ({columns})")
    if rows:
        frame = pa.table({f.name: [getattr(r, f.name) for r in rows] for f in fields(cls)})  # noqa: F841
        con.execute(f"insert into marts.{table} select * from frame")


def _read_actions(con: duckdb.DuckDBPyConnection) -> list[NextAction]:
    names = ", ".join(f.name for f in fields(NextAction))
    return [NextAction(*row) for row in con.execute(f"select {names} from marts.next_actions").fetchall()]


def compute_actions(
    con: duckdb.DuckDBPyConnection, config_dir: Path, as_of: datetime
) -> tuple[list[NextAction], list[CallListRow], list[InsuranceTask]]:
    """Read the warehouse, run the engine, build the day's call list and insurance tasks."""
    as_of = as_of.replace(tzinfo=None)
    practice = load_practice_config(config_dir).practice
    leads = reads.load_engine_inputs(con, as_of)
    clinics = reads.load_clinics(con)
    slots = open_slots(practice, reads.load_booked_slots(con, as_of), as_of)
    therapist_names: dict[str, str] = {}
    slot_texts: dict[str, str] = {}
    for lead in leads:
        req = SlotRequest(
            lead.lead_id, lead.clinic_id, lead.diagnosis_group, distance_km_by_clinic={lead.clinic_id: 0.0}
        )
        best = best_slots(req, [s for s in slots if s.clinic_id == lead.clinic_id] or slots)
        if best:
            therapist_names[lead.lead_id] = best[0].therapist_name
            slot_texts[lead.lead_id] = describe_slots(best)
    ctx = EngineContext(
        load_sequences(config_dir), load_compliance(config_dir), clinics, therapist_names, slot_texts
    )
    actions = next_actions(leads, as_of, ctx)
    rows = build_call_list(actions, as_of, {c.clinic_id: c.timezone for c in clinics.values()})
    tasks = [t for t in (insurance_task(lead, as_of) for lead in leads) if t is not None]
    return actions, rows, tasks


@asset(key=["marts", "next_actions"], deps=UPSTREAM, group_name="marts")
def next_actions_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """One next action per open lead (engine output) + insurance tasks."""
    s = settings.to_settings()
    with warehouse.connect() as con:
        actions, _, tasks = compute_actions(con, s.config_dir, s.as_of)
        _write(con, "next_actions", NextAction, actions)
        _write(con, "insurance_tasks", InsuranceTask, tasks)
    progress(f"next actions: {len(actions)} open leads, {len(tasks)} insurance tasks")
    return MaterializeResult(metadata={"actions": len(actions), "insurance_tasks": len(tasks)})


@asset(key=["marts", "staff_call_list"], deps=[AssetKey(["marts", "next_actions"])], group_name="marts")
def staff_call_list_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """Today's call list per clinic and owner role (urgency x expected value)."""
    s = settings.to_settings()
    with warehouse.connect() as con:
        clinics = reads.load_clinics(con)
        rows = build_call_list(
            _read_actions(con),
            s.as_of.replace(tzinfo=None),
            {c.clinic_id: c.timezone for c in clinics.values()},
        )
        _write(con, "staff_call_list", CallListRow, rows)
    progress(f"call list: {len(rows)} rows")
    return MaterializeResult(metadata={"rows": len(rows)})


ACTION_ASSETS = [next_actions_asset, staff_call_list_asset]
