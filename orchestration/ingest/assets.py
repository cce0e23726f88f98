"""One Dagster multi-asset per ingestion source (keys ["raw", source, table], group `ingest`), and the
270 outbox asset that runs after the leads marts."""

from __future__ import annotations

from collections.abc import Iterator

from dagster import AssetKey, AssetsDefinition, AssetSpec, MaterializeResult, asset, multi_asset

from orchestration.ingest.framework import ParseContext, Source, ingest_source
from orchestration.ingest.ingest_config import load_ingest_config
from orchestration.ingest.outbox_270 import INQUIRIES_SENT, OUTBOX_SOURCE, Provider, write_outbox_270
from orchestration.ingest.profiles import load_profiles_for_ingest
from orchestration.ingest.sources import SOURCES
from orchestration.practice_config import load_practice_config
from orchestration.resources import PtleadsSettings, WarehouseResource, progress


def build_ingest_asset(source: Source) -> AssetsDefinition:
    specs = [
        AssetSpec(
            ["raw", source.name, t.name], group_name="ingest", description=f"raw.{t.name} (append-only)"
        )
        for t in source.tables
    ]

    @multi_asset(specs=specs, name=f"ingest_{source.name}")
    def _ingest(settings: PtleadsSettings, warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
        resolved = settings.to_settings()
        ctx = ParseContext(
            config_dir=resolved.config_dir,
            profiles=load_profiles_for_ingest(resolved.config_dir),
            warehouse_dir=resolved.warehouse.parent,
        )
        with warehouse.connect() as con:
            report = ingest_source(con, source, resolved.inbox, resolved.quarantine, ctx, progress)
            counts = {
                t.name: con.execute(f"SELECT count(*) FROM {t.qualified}").fetchone()[0]
                for t in source.tables
            }
        progress(report.summary())
        for table in source.tables:
            yield MaterializeResult(
                asset_key=["raw", source.name, table.name],
                metadata={
                    "rows": counts[table.name],
                    "new_records_this_run": report.records,
                    "files_quarantined": report.files_quarantined,
                },
            )

    return _ingest


INGEST_ASSETS: list[AssetsDefinition] = [build_ingest_asset(s) for s in SOURCES]


@asset(
    key=["raw", OUTBOX_SOURCE, INQUIRIES_SENT.name],
    deps=[AssetKey(["marts", "fct_leads"]), AssetKey(["marts", "lead_source_records"])],
    group_name="ingest",
    description="270 inquiries written to the outbox for open leads with no 271 answer yet (what was sent).",
)
def outbox_270(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    resolved = settings.to_settings()
    practice = load_practice_config(resolved.config_dir).practice
    cfg = load_ingest_config(resolved.config_dir).eligibility_270
    provider = Provider(name=practice.name, npi=practice.npi or "")
    with warehouse.connect() as con:
        path, sent = write_outbox_270(
            con,
            resolved.outbox,
            resolved.as_of,
            reask_after_days=cfg.reask_after_days,
            provider=provider,
            sender_id=cfg.sender_id,
            receiver_id=cfg.receiver_id,
        )
    progress(f"outbox: {sent} eligibility inquiries" + (f" in {path.name}" if path and sent else ""))
    return MaterializeResult(metadata={"inquiries": sent, "file": path.name if path else ""})


INGEST_ASSETS.append(outbox_270)
