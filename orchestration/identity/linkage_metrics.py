"""Scoring identity resolution against generator truth: pairwise precision/recall of person clusters
and exact lead-episode assignment. Keys are (source, source_record_id); only keys in both maps count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

RecordKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PairwiseScore:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    records: int


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(predicted: Mapping[RecordKey, str], truth: Mapping[RecordKey, str]) -> PairwiseScore:
    """Pairs of records in one predicted cluster vs pairs in one true cluster (contingency counts, so
    it is linear in records, not quadratic)."""
    keys = [k for k in predicted if k in truth]
    both = sum(_pairs(n) for n in Counter((predicted[k], truth[k]) for k in keys).values())
    pred = sum(_pairs(n) for n in Counter(predicted[k] for k in keys).values())
    true = sum(_pairs(n) for n in Counter(truth[k] for k in keys).values())
    return PairwiseScore(
        precision=both / pred if pred else 1.0,
        recall=both / true if true else 1.0,
        true_pairs=true,
        predicted_pairs=pred,
        records=len(keys),
    )


def episode_accuracy(predicted: Mapping[RecordKey, str], truth: Mapping[RecordKey, str]) -> float:
    """Share of truth's lead records assigned exactly right: each predicted lead maps to the true lead
    holding most of its records; a record is right if its predicted lead maps to its true lead and that
    true lead is not split over several predicted leads. Records truth puts in a lead but we do not
    count as wrong."""
    keys = [k for k in truth if truth[k]]
    if not keys:
        return 1.0
    votes: dict[str, Counter[str]] = {}
    for k in keys:
        if k in predicted:
            votes.setdefault(predicted[k], Counter())[truth[k]] += 1
    mapped = {lead: c.most_common(1)[0][0] for lead, c in votes.items()}
    preds_per_true: dict[str, set[str]] = {}
    for k in keys:
        if k in predicted:
            preds_per_true.setdefault(truth[k], set()).add(predicted[k])
    right = sum(
        1
        for k in keys
        if k in predicted and mapped[predicted[k]] == truth[k] and len(preds_per_true[truth[k]]) == 1
    )
    return right / len(keys)
