"""One Dagster multi-asset per ingestion source: keys ["raw", source, table], group `ingest`."""

from __future__ import annotations

from collections.abc import Iterator

from dagster import AssetsDefinition, AssetSpec, MaterializeResult, multi_asset

from orchestration.ingest.framework import ParseContext, Source, ingest_source
from orchestration.ingest.profiles import load_profiles
from orchestration.ingest.sources import SOURCES
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
            profiles=load_profiles(resolved.config_dir),
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
