"""The run's own push: the new call list to the targets `push.yaml` names under `after_run`, as soon as the
list is written (before the reports, the SLA table and publish), so staff have it without waiting for the
snapshot or a separate `ptleads push`.

Each (method, clinic, owner role) list is sent once per as-of: a rerun of the same as-of (after a crash,
say) skips what marts.push_log already holds as sent, and retries what failed. A failed target is logged
and reported, never raised: the run, and the other targets, go on. A malformed push.yaml skips the push
with its reason on the progress line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
from dagster import AssetKey, MaterializeResult, asset

from orchestration.actions.call_list import CallListRow
from orchestration.actions.push import PUSH_LOG_DDL, PushRecord, record_pushes
from orchestration.actions.push_targets import PushConfigError, PushTargets, load_push_targets, send
from orchestration.resources import PtleadsSettings, WarehouseResource, progress

CALL_LIST_SQL = f"select {', '.join(CallListRow.__dataclass_fields__)} from marts.call_list"
SENT_SQL = """
select distinct method, clinic_id, owner_role from marts.push_log where pushed_at = ? and status = 'ok'
"""


@dataclass(frozen=True)
class RunPush:
    methods: tuple[str, ...]
    rows: int  # call-list rows sent (by at least one method)
    records: list[PushRecord]
    skipped: int  # lists already sent for this as-of

    @property
    def failed(self) -> int:
        return sum(r.status != "ok" for r in self.records)

    def summary(self) -> str:
        pushes = f"{len(self.records)} pushes ({self.failed} failed)"
        done = f"{self.rows} rows by {', '.join(self.methods)} in {pushes}"
        return done + (f", {self.skipped} lists already sent for this as-of" if self.skipped else "")


def push_after_run(con: duckdb.DuckDBPyConnection, targets: PushTargets, as_of: datetime) -> RunPush:
    """Send marts.call_list by `targets.after_run` (the lists not yet sent for `as_of`) and log the pushes."""
    con.execute(PUSH_LOG_DDL)
    sent = {tuple(r) for r in con.execute(SENT_SQL, [as_of]).fetchall()}
    rows = [
        CallListRow(*r)
        for r in con.execute(CALL_LIST_SQL + " order by clinic_id, owner_role, rank").fetchall()
    ]
    groups = {(r.clinic_id, r.owner_role) for r in rows}
    records: list[PushRecord] = []
    pushed: set[str] = set()
    skipped = 0
    for method in targets.after_run:
        skipped += sum((method, *group) in sent for group in groups)
        todo = [r for r in rows if (method, r.clinic_id, r.owner_role) not in sent]
        records += send(todo, targets, (method,), as_of)
        pushed.update(r.lead_id for r in todo)
    record_pushes(con, records)
    return RunPush(targets.after_run, len(pushed), records, skipped)


@asset(key=["marts", "push_log"], deps=[AssetKey(["marts", "call_list"])], group_name="marts")
def call_list_push_asset(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    """The call list pushed by the methods push.yaml's `after_run` names (nothing when none), logged in
    marts.push_log."""
    s = settings.to_settings()
    try:
        targets = load_push_targets(s)
    except PushConfigError as exc:  # the message names the file and key, never a secret
        progress(f"push: skipped, {exc}")
        return MaterializeResult(metadata={"skipped": str(exc)})
    if targets is None or not targets.after_run:
        return MaterializeResult(metadata={"pushes": 0})
    with warehouse.connect(keep_open=True) as con:
        done = push_after_run(con, targets, s.as_of.replace(tzinfo=None))
    progress(f"push: {done.summary()}")
    return MaterializeResult(metadata={"pushes": len(done.records), "failed": done.failed, "rows": done.rows})
