"""No-show model on 110,527 real appointments (Kaggle, test-only): booking-time features, out-of-time.

Must beat the one-feature baseline (days between booking and appointment) on the newest appointment
days. Skipped with a reason when ../shared/realdata is absent (the data is never shipped).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from orchestration.settings import REPO_ROOT

DATA = REPO_ROOT.parent / "shared" / "realdata" / "noshow_appointments" / "KaggleV2-May-2016.csv.zip"
PROFILE = Path(__file__).parent.parent / "fixtures" / "ml" / "noshow_appointments_profile.yaml"
CATEGORICAL = ("gender", "neighbourhood", "weekday")
NUMERIC = ("lead_days", "age", "scholarship", "hypertension", "diabetes", "alcoholism", "handicap")


def load_appointments() -> pl.DataFrame:
    """The export mapped through the profile: one row per appointment with booking-time fields."""
    profile = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    with zipfile.ZipFile(DATA) as archive:
        raw = pl.read_csv(io.BytesIO(archive.read(archive.namelist()[0])), infer_schema_length=0)
    cols = profile["columns"]
    out = raw.select([pl.col(src).alias(dst) for dst, src in cols.items()])
    out = out.with_columns(
        booked_at=pl.col("booked_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ"),
        appointment_day=pl.col("appointment_day").str.to_datetime("%Y-%m-%dT%H:%M:%SZ"),
        no_show=pl.col("no_show").replace_strict(profile["values"]["no_show"], return_dtype=pl.Int8),
        **{c: pl.col(c).cast(pl.Int32) for c in NUMERIC if c in cols},
    )
    lead = (pl.col("appointment_day").dt.date() - pl.col("booked_at").dt.date()).dt.total_days()
    # a booking dated after its appointment day is a data error in the export
    return out.with_columns(
        lead_days=lead, weekday=pl.col("appointment_day").dt.weekday().cast(pl.Utf8)
    ).filter(pl.col("lead_days") >= 0)


def _matrix(frame: pl.DataFrame, codes: dict[str, dict[str, int]]) -> np.ndarray:
    cols = [
        frame.get_column(c).replace_strict(codes[c], default=-1, return_dtype=pl.Float64).to_numpy()
        for c in CATEGORICAL
    ]
    cols += [frame.get_column(c).cast(pl.Float64).to_numpy() for c in NUMERIC]
    return np.column_stack(cols)


def out_of_time_aucs(frame: pl.DataFrame, holdout_share: float = 0.25) -> tuple[float, float, int]:
    """(model AUC, lead-days baseline AUC, holdout size) with the newest appointment days held out."""
    days = frame.get_column("appointment_day").dt.date().unique().sort()
    cut = days[int(len(days) * (1 - holdout_share))]
    train = frame.filter(pl.col("appointment_day").dt.date() < cut)
    test = frame.filter(pl.col("appointment_day").dt.date() >= cut)
    codes = {
        c: {v: i for i, v in enumerate(train.get_column(c).unique().sort().to_list())} for c in CATEGORICAL
    }
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.08, categorical_features=list(range(len(CATEGORICAL))), random_state=0
    ).fit(_matrix(train, codes), train.get_column("no_show").to_numpy())
    y = test.get_column("no_show").to_numpy()
    model_auc = roc_auc_score(y, model.predict_proba(_matrix(test, codes))[:, 1])
    baseline_auc = roc_auc_score(y, test.get_column("lead_days").to_numpy())
    return float(model_auc), float(baseline_auc), test.height


@pytest.mark.slow
@pytest.mark.skipif(
    not DATA.exists(), reason=f"real no-show data not present at {DATA} (test-only, not shipped)"
)
def test_no_show_model_beats_lead_time_baseline_out_of_time() -> None:
    frame = load_appointments()
    assert frame.height > 100_000
    assert "sms_received" not in frame.columns  # not known at booking
    model_auc, baseline_auc, n = out_of_time_aucs(frame)
    print(
        f"no-show out-of-time AUC {model_auc:.3f} vs lead-days baseline {baseline_auc:.3f} "
        f"on {n} appointments"
    )
    assert n > 10_000
    assert model_auc > baseline_auc
