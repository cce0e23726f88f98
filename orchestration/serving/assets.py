"""The `serving` group: the published snapshot the app reads."""

from __future__ import annotations

from dagster import AssetKey, MaterializeResult, asset

from orchestration.resources import PtleadsSettings, WarehouseResource, progress
from orchestration.serving import publish as publish_lib
from orchestration.transform.dbt_assets import dbt_phase3

# call_list, next_actions, waitlist_offers, sla_metrics, push_log: written by orchestration/actions; ml_drift
# by ml.
PUBLISHED_MARTS = (
    "fct_leads",
    "call_list",
    "rpt_funnel_daily",
    "next_actions",
    "waitlist_offers",
    "sla_metrics",
    "ml_drift",
    "push_log",
)


@asset(
    # and the marts dbt builds after the call list (phase 3: the reports), which run at a lower priority
    deps=[*(AssetKey(["marts", m]) for m in PUBLISHED_MARTS), *dbt_phase3.keys],
    group_name="serving",
    description="Atomic read-only copy of the warehouse (unchanged rows kept from the last) + snapshot.json.",
)
def publish_snapshot(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    resolved = settings.to_settings()
    with warehouse.connect() as con:
        done = publish_lib.publish(con, resolved.snapshot, resolved.as_of)
    counts = done.counts
    progress(f"publish: {resolved.snapshot} ({counts.get('marts.fct_leads', 0)} leads; {done.summary()})")
    return MaterializeResult(metadata={"path": str(resolved.snapshot), **{k: v for k, v in counts.items()}})
