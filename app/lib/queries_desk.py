"""SQL of the data desk, review queue and model room (ingest log, review queue, drift), cached on
the snapshot's published_at like app/lib/queries.py."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.lib.queries import relation_exists, run_sql
from app.lib.queries_lead import FAX_FIELDS


@st.cache_data(show_spinner=False)
def ingest_log(path: str, published_at: str, limit: int = 2000) -> pl.DataFrame:
    sql = f"""
        select ingested_at, source, file, status, records, bytes, reason, duration_s
        from raw.ingest_log order by ingested_at desc limit {int(limit)}
    """
    return run_sql(path, sql)


@st.cache_data(show_spinner=False)
def freshness_by_source(path: str, published_at: str) -> pl.DataFrame:
    """Per source: files seen, last ingest, last ok file, quarantined count."""
    sql = """
        select source, count(*) as files, max(ingested_at) as last_ingested_at,
               max(ingested_at) filter (where status = 'ok') as last_ok_at,
               count(*) filter (where status = 'quarantined') as quarantined,
               count(*) filter (where status = 'partial') as partial
        from raw.ingest_log group by source order by source
    """
    return run_sql(path, sql)


@st.cache_data(show_spinner=False)
def review_queue(path: str, published_at: str) -> pl.DataFrame:
    """Open review items with the extraction's fields and confidences.

    Reads dbt's queue (latest row per fax, faxes whose correction was ingested left out), not
    the raw queue, which keeps every fax ever queued."""
    if not relation_exists(path, published_at, "staging", "stg_fax__review_queue"):
        return pl.DataFrame()
    cols = ", ".join(f"f.{c}, f.{c}_confidence" for c in FAX_FIELDS)
    sql = f"""
        with items as (
            select * from staging.stg_fax__review_queue
        ), extraction as (
            select * from raw.fax_extractions
            qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
        )
        select q.source_record_id, q.reason, q.created_at, q.page_images, {cols}
        from items q left join extraction f using (source_record_id)
        order by q.created_at
    """
    return run_sql(path, sql)


@st.cache_data(show_spinner=False)
def drift(path: str, published_at: str) -> pl.DataFrame:
    if not relation_exists(path, published_at, "marts", "ml_drift"):
        return pl.DataFrame()
    sql = """
        select month, model_version, leads, mean_score, p10_score, p90_score, observed_rate, calibration_error
        from marts.ml_drift where as_of = (select max(as_of) from marts.ml_drift) order by month
    """
    return run_sql(path, sql)
