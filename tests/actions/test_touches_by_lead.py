"""The engine read's touch grouping (one stable Arrow sort, runs sliced out) gives every lead the touches
the per-touch walk gave: the lead's rows in the order read, stably sorted by time (ties keep their order),
as Touch tuples; and the assets' column-wise write gives the same table as a getattr per cell."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import datetime, timedelta
from operator import attrgetter

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.actions.arrow_columns import column_values
from orchestration.actions.assets import _write
from orchestration.actions.insurance_tasks import InsuranceTask
from orchestration.actions.timeline import Touch
from orchestration.actions.warehouse_reads import _touches_by_lead

T0 = datetime(2026, 3, 8, 1, 0)
NAMES = ["lead_id", "event_at", "touch_kind", "direction", "touch_result", "opt_keyword", "inbound"]


def _reference(timeline: pa.Table) -> dict[str, tuple[Touch, ...]]:
    """The walk it replaced: a list per lead in the order read, then a stable sort by time."""
    touches: dict[str, list[Touch]] = defaultdict(list)
    for lead_id, at, kind, direction, result, keyword, _ in zip(
        *(column_values(column) for column in timeline.columns), strict=True
    ):
        touches[lead_id].append(Touch(at, kind, direction, result, keyword))
    return {lead: tuple(sorted(items, key=attrgetter("at"))) for lead, items in touches.items()}


row = st.tuples(
    st.sampled_from(["L1", "L2", "Lb", "L10"]),
    st.integers(0, 6),  # few distinct times: many ties
    st.sampled_from(["call", "sms", "web", "email", "outcome"]),
    st.sampled_from([None, "inbound", "outbound"]),
    st.sampled_from([None, "no_answer", "delivered", "open", "scheduling_view"]),
    st.sampled_from([None, "stop", "start"]),
    st.sampled_from([None, True, False]),
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(row, max_size=60), chunk=st.integers(1, 7))
def test_same_touches_as_the_walk(rows: list[tuple], chunk: int) -> None:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(NAMES)
    data = dict(zip(NAMES, columns, strict=True))
    data["event_at"] = tuple(T0 + timedelta(minutes=m) for m in data["event_at"])
    types = [pa.string(), pa.timestamp("us"), *[pa.string()] * 4, pa.bool_()]
    table = pa.table({n: pa.array(list(data[n]), t) for n, t in zip(NAMES, types, strict=True)})
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=chunk), table.schema)
    got = _touches_by_lead(chunked)
    assert got == _reference(table)
    assert all(type(t) is Touch for items in got.values() for t in items)


def test_column_wise_write_equals_a_getattr_per_cell() -> None:
    tasks = [
        InsuranceTask(f"L{i}", "C1", "queue_270", "system", T0 + timedelta(hours=i), "why") for i in range(5)
    ]
    con = duckdb.connect()
    _write(con, "insurance_tasks", InsuranceTask, tasks)
    expected = [tuple(getattr(t, f.name) for f in fields(InsuranceTask)) for t in tasks]
    assert con.execute("select * from marts.insurance_tasks").fetchall() == expected
    _write(con, "insurance_tasks", InsuranceTask, [])
    assert con.execute("select count(*) from marts.insurance_tasks").fetchall() == [(0,)]
