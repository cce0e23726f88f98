"""Ingestion as one Dagster multi-asset over every source (keys ["raw", source, table], group `ingest`), and
the 270 outbox asset that runs after the leads marts."""

# No `from __future__ import annotations`: Dagster reads the `context` annotation as a class.
from collections.abc import Iterator, Sequence

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    asset,
    multi_asset,
)

from orchestration.ingest import ingest_ahead
from orchestration.ingest.framework import ParseContext, Source, SourceReport, ingest_sources
from orchestration.ingest.ingest_config import load_ingest_config
from orchestration.ingest.outbox_270 import INQUIRIES_SENT, OUTBOX_SOURCE, Provider, write_outbox_270
from orchestration.ingest.profiles import load_profiles_for_ingest
from orchestration.ingest.sources import SOURCES
from orchestration.practice_config import load_practice_config
from orchestration.resources import PtleadsSettings, WarehouseResource, progress

INGEST_STEP = "ingest_inbox"


def raw_key(source: Source, table_name: str) -> AssetKey:
    return AssetKey(["raw", source.name, table_name])


def selected_sources(selected: set[AssetKey], sources: Sequence[Source] = SOURCES) -> list[Source]:
    """The sources (in SOURCES order) with at least one raw table selected; a source is ingested whole
    (all its tables are written), only its selected tables are reported materialised."""
    return [s for s in sources if any(raw_key(s, t.name) in selected for t in s.tables)]


def _results(
    source: Source, report: SourceReport, counts: dict[str, int], selected: set[AssetKey]
) -> Iterator[MaterializeResult]:
    for table in source.tables:
        if raw_key(source, table.name) in selected:
            yield MaterializeResult(
                asset_key=raw_key(source, table.name),
                metadata={
                    "rows": counts[table.name],
                    "new_records_this_run": report.records,
                    "files_quarantined": report.files_quarantined,
                },
            )


@multi_asset(
    specs=[
        AssetSpec(raw_key(s, t.name), group_name="ingest", description=f"raw.{t.name} (append-only)")
        for s in SOURCES
        for t in s.tables
    ],
    name=INGEST_STEP,
    can_subset=True,
)
def ingest_inbox(
    context: AssetExecutionContext, settings: PtleadsSettings, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    """Every selected source in one step with ingest_sources: the next source's files parse while the one
    before commits (one step per source left the parse workers idle through each source's tail)."""
    selected = set(context.selected_asset_keys)
    sources = selected_sources(selected)
    resolved = settings.to_settings()
    # `ptleads run` started the ingest of every source when the run started (ingest_ahead): its outcome.
    ahead = ingest_ahead.take(resolved.inbox, resolved.warehouse, resolved.quarantine, resolved.config_dir)
    reports = None
    if ahead is not None:
        outcome = ahead.outcome()
        for message in outcome.messages:
            progress(message)
        if outcome.error is not None:
            raise ingest_ahead.IngestAheadError(outcome.error)
        # A subset selected (not run_pipeline's case): its sources are in; ingesting them finds nothing new.
        reports = outcome.reports if len(sources) == len(SOURCES) else None
    with warehouse.connect() as con:
        if reports is None:
            ctx = ParseContext(
                config_dir=resolved.config_dir,
                profiles=load_profiles_for_ingest(resolved.config_dir),
                warehouse_dir=resolved.warehouse.parent,
            )
            reports = ingest_sources(
                con,
                sources,
                resolved.inbox,
                resolved.quarantine,
                ctx,
                progress,
                finished=lambda report: progress(report.summary()),
            )
        counts = {
            source.name: {
                t.name: con.execute(f"SELECT count(*) FROM {t.qualified}").fetchone()[0]
                for t in source.tables
            }
            for source in sources
        }
    for source, report in zip(sources, reports, strict=True):
        yield from _results(source, report, counts[source.name], selected)


INGEST_ASSETS: list[AssetsDefinition] = [ingest_inbox]


@asset(
    key=["raw", OUTBOX_SOURCE, INQUIRIES_SENT.name],
    deps=[AssetKey(["marts", "fct_leads"]), AssetKey(["intermediate", "int_lead_episodes"])],
    group_name="ingest",
    description="270 inquiries written to the outbox for open leads with no 271 answer yet (what was sent).",
)
def outbox_270(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    resolved = settings.to_settings()
    practice = load_practice_config(resolved.config_dir).practice
    cfg = load_ingest_config(resolved.config_dir).eligibility_270
    provider = Provider(name=practice.name, npi=practice.npi or "")
    # kept open for the day's next warehouse step (next actions): see WarehouseResource.connect
    with warehouse.connect(keep_open=True) as con:
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
