"""Dagster assets of the actions engine (all replaced on every run but the append-only token log):

- `marts/waitlist_offers`: freed (cancelled, not rebooked) slots and the waiting leads ranked for each;
- `marts/next_actions`: one action per open lead (waitlist offers replace some), plus
  marts.insurance_tasks and new rows of raw.tracking_tokens;
- `marts/call_list`: the day's list per clinic and owner role (urgency x expected value), contract-checked
  (see call_list_contract.py for why the engine, not dbt, owns it);
- `marts/sla_metrics`: share of leads first contacted within their tier's target, per clinic.

Each keeps its warehouse connection open for the run's next warehouse step (the outbox, the next of these
or publish: `WarehouseResource.connect(keep_open=True)`), instead of opening and checkpointing the file
once per step.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import get_type_hints

import duckdb
import pyarrow as pa
from dagster import AssetKey, MaterializeResult, asset

from orchestration.actions import warehouse_reads as reads
from orchestration.actions.call_list import CallListRow, SlaRow, build_call_list, sla_table_from_counts
from orchestration.actions.call_list_contract import check_call_list_contract
from orchestration.actions.engine import EngineContext, NextAction, next_actions
from orchestration.actions.insurance_tasks import InsuranceTask, insurance_task
from orchestration.actions.sequences import load_compliance, load_sequences
from orchestration.actions.slots import describe_slots, offer_slots, open_slots, specialty_by_group
from orchestration.actions.tracking_tokens import log_tokens
from orchestration.actions.waitlist import RankedOffer, apply_waitlist, freed_slots, rank_offers
from orchestration.ingest.outbox_270 import INQUIRIES_SENT, OUTBOX_SOURCE
from orchestration.practice_config import load_practice_config
from orchestration.resources import AFTER_CALL_LIST, PtleadsSettings, WarehouseResource, progress

UPSTREAM = [AssetKey(["marts", m]) for m in ("fct_leads", "fct_touches", "fct_appointments", "dim_persons")]
# The 270s the run's outbox step sent: an insurance task tells a lead whose inquiry went out today from one
# still to send (warehouse_reads.INQUIRIES_SQL), so the outbox comes first (it did only by Dagster's order).
OUTBOX_SENT = AssetKey(["raw", OUTBOX_SOURCE, INQUIRIES_SENT.name])
SLOT_DAYS = 14  # open slots offered from as-of on (open_slots' days)
DEPTH_PER_OFFER = 5  # ranked candidates kept per offer made, so compliance and earlier slots can skip some

_SQL_TYPES = {str: "VARCHAR", float: "DOUBLE", int: "INTEGER", bool: "BOOLEAN", datetime: "TIMESTAMP"}


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the engine builds its objects (rows, dataclasses and tuples:
    reference counting frees them; a cycle, if any, waits for the next collection after). Allocating
    them triggered collections whose older generations walked every live object of the run's process:
    about a third of compute_actions' CPU on the 100k practice, more with more leads."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
        names = [f.name for f in fields(cls)]
        # one attrgetter call per row, then transposed: a getattr per cell cost ~2x as much (18 columns of
        # ~96k actions at 1M leads)
        row_values = attrgetter(*names) if len(names) > 1 else (lambda r: (getattr(r, names[0]),))
        columns = zip(*map(row_values, rows), strict=True)
        frame = pa.table(dict(zip(names, map(list, columns), strict=True)))  # noqa: F841
        con.execute(f"insert into marts.{table} select * from frame")


@dataclass(frozen=True)
class _BuiltCallList:
    """The call list compute_actions ranked from the actions next_actions_asset just wrote. A run
    materializes its steps in one process, so call_list_asset takes it over instead of re-reading and
    re-ranking every open lead's action (~2 s of the day's tail at 1M leads)."""

    warehouse: Path
    as_of: datetime
    config_dir: Path
    actions: int  # rows written to marts.next_actions: a rewrite since then leaves a different count
    rows: list[CallListRow]


_built_call_list: _BuiltCallList | None = None


def _take_built_call_list(
    con: duckdb.DuckDBPyConnection, warehouse: Path, as_of: datetime, config_dir: Path
) -> list[CallListRow] | None:
    """The rows next_actions_asset left for this warehouse, as-of and config (once), else None."""
    global _built_call_list
    built, _built_call_list = _built_call_list, None
    if built is None or (built.warehouse, built.as_of, built.config_dir) != (warehouse, as_of, config_dir):
        return None
    written = con.execute("select count(*) from marts.next_actions").fetchall()[0][0]
    return built.rows if written == built.actions else None


def _read(con: duckdb.DuckDBPyConnection, table: str, cls: type) -> list:
    names = ", ".join(f.name for f in fields(cls))
    return [cls(*row) for row in con.execute(f"select {names} from marts.{table}").fetchall()]


def compute_waitlist_offers(
    con: duckdb.DuckDBPyConnection, config_dir: Path, as_of: datetime
) -> list[RankedOffer]:
    """Freed slots from cancellations and the waiting leads ranked for each (empty when disabled)."""
    cfg = load_sequences(config_dir).waitlist
    if not cfg.enabled:
        return []
    as_of = as_of.replace(tzinfo=None)
    config = load_practice_config(config_dir)
    practice = config.practice
    cancelled = reads.load_cancelled_appointments(con, as_of)
    # freed_slots weighs the cancellations starting inside the horizon, each against the bookings that
    # start before it ends: later bookings (months ahead at a busy practice) cannot take one.
    ends = [
        a.start_at + timedelta(minutes=a.duration_min)
        for a in cancelled
        if as_of + cfg.min_notice < a.start_at <= as_of + cfg.horizon
    ]
    if not ends:
        return []
    booked_slots = reads.load_booked_slots(con, as_of, until=max(ends))
    booked = [(b.therapist_id, b.start_at, b.duration_min) for b in booked_slots]
    freed = freed_slots(cancelled, booked, practice, as_of, cfg)
    if not freed:
        return []
    specialties = specialty_by_group(config.diagnosis_groups)
    waiting = reads.load_waitlist_candidates(con, as_of, cfg.all_open_leads, specialties)
    names = {c.id: c.name for c in practice.clinics}
    return rank_offers(freed, waiting, names, depth=cfg.offers_per_slot * DEPTH_PER_OFFER)


def compute_actions(
    con: duckdb.DuckDBPyConnection,
    config_dir: Path,
    as_of: datetime,
    offers: list[RankedOffer] | None = None,
) -> tuple[list[NextAction], list[CallListRow], list[InsuranceTask]]:
    """Read the warehouse, run the engine, apply waitlist offers (computed here when not given), build the
    day's call list and insurance tasks."""
    as_of = as_of.replace(tzinfo=None)
    config = load_practice_config(config_dir)
    practice = config.practice
    inputs = reads.read_engine_inputs(con, as_of)
    leads = inputs.leads
    clinics = reads.load_clinics(con)
    # the last offered local day ends within SLOT_DAYS days (and a DST hour) of as-of: a booking starting
    # later overlaps no slot (two days of margin; tests/actions/test_booked_until.py)
    busy = reads.load_busy_times(con, as_of, until=as_of + timedelta(days=SLOT_DAYS + 2))
    slots = open_slots(practice, (), as_of, days=SLOT_DAYS, busy_times=busy)
    specialties = specialty_by_group(config.diagnosis_groups)
    offered = offer_slots(leads, slots, inputs.inbound, specialties)
    therapist_names = {lead_id: best[0].therapist_name for lead_id, best in offered.items() if best}
    # leads with the same clinic, specialty and time preference share one offer list: describe it once
    texts: dict[int, str] = {}
    for best in offered.values():
        if best and id(best) not in texts:
            texts[id(best)] = describe_slots(best)
    slot_texts = {lead_id: texts[id(best)] for lead_id, best in offered.items() if best}
    rules = load_compliance(config_dir)
    ctx = EngineContext(load_sequences(config_dir), rules, clinics, therapist_names, slot_texts)
    actions = next_actions(leads, as_of, ctx)
    if offers is None:
        offers = compute_waitlist_offers(con, config_dir, as_of)
    if offers:
        actions, _ = apply_waitlist(actions, offers, {lead.lead_id: lead for lead in leads}, as_of, ctx)
    zones = {c.clinic_id: c.timezone for c in clinics.values()}
    rows = build_call_list(actions, as_of, zones, rules.quiet_hours.end)
    tasks = [t for t in (insurance_task(lead, as_of) for lead in leads) if t is not None]
    return actions, rows, tasks


@asset(key=["marts", "waitlist_offers"], deps=UPSTREAM, group_name="marts")
def waitlist_offers_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """Waiting leads ranked for every slot a cancellation freed (specialty, distance, time, value)."""
    s = settings.to_settings()
    with _cyclic_gc_paused(), warehouse.connect(keep_open=True) as con:
        offers = compute_waitlist_offers(con, s.config_dir, s.as_of)
        _write(con, "waitlist_offers", RankedOffer, offers)
    slots = len({o.slot_id for o in offers})
    progress(f"waitlist: {slots} freed slots, {len(offers)} ranked candidates")
    return MaterializeResult(metadata={"freed_slots": slots, "candidates": len(offers)})


@asset(
    key=["marts", "next_actions"],
    deps=[*UPSTREAM, AssetKey(["marts", "waitlist_offers"]), OUTBOX_SENT],
    group_name="marts",
)
def next_actions_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """One next action per open lead (engine output, waitlist offers applied) + insurance tasks; logs the
    tracking token of every rendered scheduling link."""
    global _built_call_list
    s = settings.to_settings()
    _built_call_list = None
    with _cyclic_gc_paused(), warehouse.connect(keep_open=True) as con:
        offers = _read(con, "waitlist_offers", RankedOffer)
        actions, rows, tasks = compute_actions(con, s.config_dir, s.as_of, offers)
        _write(con, "next_actions", NextAction, actions)
        _write(con, "insurance_tasks", InsuranceTask, tasks)
        new_tokens = log_tokens(con, actions, s.as_of)
    _built_call_list = _BuiltCallList(warehouse.file, s.as_of, s.config_dir, len(actions), rows)
    waitlisted = sum(1 for a in actions if a.sequence == "waitlist")
    progress(
        f"next actions: {len(actions)} open leads ({waitlisted} waitlist offers), {len(tasks)} insurance "
        f"tasks, {new_tokens} new tracking tokens"
    )
    return MaterializeResult(
        metadata={
            "actions": len(actions),
            "waitlist_offers": waitlisted,
            "insurance_tasks": len(tasks),
            "new_tracking_tokens": new_tokens,
        }
    )


@asset(key=["marts", "call_list"], deps=[AssetKey(["marts", "next_actions"])], group_name="marts")
def call_list_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """Today's call list per clinic and owner role (urgency x expected value), contract-checked; after the
    day's contact window (quiet_hours.end), tomorrow's."""
    s = settings.to_settings()
    with _cyclic_gc_paused(), warehouse.connect(keep_open=True) as con:
        rows = _take_built_call_list(con, warehouse.file, s.as_of, s.config_dir)
        if rows is None:  # next_actions was materialized by another process or run
            clinics = reads.load_clinics(con)
            rows = build_call_list(
                _read(con, "next_actions", NextAction),
                s.as_of.replace(tzinfo=None),
                {c.clinic_id: c.timezone for c in clinics.values()},
                load_compliance(s.config_dir).quiet_hours.end,
            )
        _write(con, "call_list", CallListRow, rows)
        con.execute("drop table if exists marts.staff_call_list")  # the pre-unification name
        check_call_list_contract(con)
    progress(f"call list: {len(rows)} rows")
    return MaterializeResult(metadata={"rows": len(rows)})


@asset(
    key=["marts", "sla_metrics"],
    deps=[AssetKey(["marts", "fct_leads"])],
    group_name="marts",
    op_tags=AFTER_CALL_LIST,  # nothing up to the call list reads it
)
def sla_metrics_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """Speed-to-lead SLA per tier (config `sla:`; a tier without a target is held to standard's), for the
    practice and each clinic."""
    s = settings.to_settings()
    with warehouse.connect(keep_open=True) as con:
        targets = load_sequences(s.config_dir).sla_targets()
        as_of = s.as_of.replace(tzinfo=None)
        rows = sla_table_from_counts(reads.load_sla_counts(con, as_of, targets), as_of, targets)
        _write(con, "sla_metrics", SlaRow, rows)
    shares = {r.priority_tier: r.share for r in rows if r.clinic_id == "all"}
    progress("sla: " + ", ".join(f"{t} {v:.0%}" if v is not None else f"{t} n/a" for t, v in shares.items()))
    return MaterializeResult(metadata={f"share_{t}": v for t, v in shares.items() if v is not None})


ACTION_ASSETS = [waitlist_offers_asset, next_actions_asset, call_list_asset, sla_metrics_asset]
