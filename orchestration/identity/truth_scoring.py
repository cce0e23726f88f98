"""Score a built warehouse against generator truth (tests, benchmarks, one-off runs at 50k).

"Measurable" leads are truth leads with at least one lead-opening record the warehouse ingested:
sources not yet ingested cannot be resolved, so they are reported apart rather than counted wrong."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.identity.linkage_metrics import PairwiseScore, episode_accuracy, pairwise_scores


@dataclass(frozen=True, slots=True)
class TruthReport:
    persons: PairwiseScore
    episode_accuracy: float
    episode_records: int
    scheduled_by_month: dict[str, tuple[int, int]]  # month -> (truth, ours)
    evaluated_by_month: dict[str, tuple[int, int]]
    ingested_sources: tuple[str, ...]


def _month_counts(rows: list[str]) -> Counter[str]:
    return Counter(r[:7] for r in rows if r)


def score_warehouse(con: duckdb.DuckDBPyConnection, truth_dir: Path, as_of: datetime) -> TruthReport:
    records = list(csv.DictReader((truth_dir / "records.csv").open(encoding="utf-8")))
    true_person = {(r["source"], r["source_record_id"]): r["person_id"] for r in records}
    true_lead = {(r["source"], r["source_record_id"]): r["lead_id"] for r in records}
    ours_person = {
        (s, i): p
        for s, i, p in con.execute(
            "select source, source_record_id, person_id from intermediate.int_persons_matched"
        ).fetchall()
    }
    ours_lead = {
        (s, i): lead
        for s, i, lead in con.execute(
            "select source, source_record_id, lead_id from marts.lead_source_records"
        ).fetchall()
    }
    openings = {
        (s, i)
        for s, i in con.execute(
            "select source, source_record_id from intermediate.int_lead_episodes"
        ).fetchall()
    }
    measurable = {true_lead[k] for k in openings if true_lead.get(k)}
    episode_truth = {k: v for k, v in true_lead.items() if v in measurable and k in ours_person}
    cutoff = as_of.strftime("%Y-%m-%dT%H:%M:%S")
    leads = [
        r
        for r in csv.DictReader((truth_dir / "leads.csv").open(encoding="utf-8"))
        if r["lead_id"] in measurable
    ]
    t_sched = _month_counts(
        [r["scheduled_at"] for r in leads if r["scheduled_at"] and r["scheduled_at"] <= cutoff]
    )
    t_eval = _month_counts(
        [r["evaluated_at"] for r in leads if r["evaluated_at"] and r["evaluated_at"] <= cutoff]
    )
    o_sched = dict(
        con.execute(
            "select strftime(scheduled_at, '%Y-%m'), count(*) from marts.fct_leads "
            "where scheduled_at is not null group by 1"
        ).fetchall()
    )
    o_eval = dict(
        con.execute(
            "select strftime(evaluated_at, '%Y-%m'), count(*) from marts.fct_leads "
            "where evaluated_at is not null group by 1"
        ).fetchall()
    )
    return TruthReport(
        persons=pairwise_scores(ours_person, true_person),
        episode_accuracy=episode_accuracy(ours_lead, episode_truth),
        episode_records=sum(1 for v in episode_truth.values() if v),
        scheduled_by_month={m: (t_sched[m], o_sched.get(m, 0)) for m in sorted(set(t_sched) | set(o_sched))},
        evaluated_by_month={m: (t_eval[m], o_eval.get(m, 0)) for m in sorted(set(t_eval) | set(o_eval))},
        ingested_sources=tuple(sorted({s for s, _ in ours_person})),
    )
