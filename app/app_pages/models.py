"""Model room (analysts): runs, calibration and lift, feature importances, champion vs challenger on
one holdout, retrain and gated promotion (each with confirmation, audited), drift by month."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from app.lib import audit, model_room
from app.lib.charts import line_chart
from app.lib.page_context import require_snapshot, require_user
from app.lib.queries_desk import drift
from orchestration.settings import Settings

NOTICE_KEY = "model_room_notice"

user = require_user("models")
st.title("Models")
info = require_snapshot()
settings = Settings()

# A retrain or promotion reruns the page so the aliases above show the new state; its message survives
# the rerun here.
notice = st.session_state.pop(NOTICE_KEY, None)
if notice:
    kind, text = notice
    (st.success if kind == "success" else st.warning)(text)

st.subheader("Drift by month")
drift_rows = drift(str(info.path), info.published_at)
if drift_rows.height:
    left, right = st.columns(2)
    left.altair_chart(line_chart(drift_rows, "month", "mean_score", "Mean score", ".2f"), width="stretch")
    right.altair_chart(
        line_chart(drift_rows, "month", "calibration_error", "Calibration error", ".3f"), width="stretch"
    )
    st.dataframe(drift_rows, hide_index=True, width="stretch", key="drift_table")
else:
    st.caption("No drift rows in this snapshot yet.")

has_store = model_room.mlflow_available(settings)
names = model_room.aliases(settings) if has_store else model_room.Aliases(None, None, None)
if not has_store:
    st.info("No MLflow store yet: the first pipeline run with enough settled leads trains a model.")
else:
    a, b, c = st.columns(3)
    a.metric("Champion", f"v{names.champion}" if names.champion else "—")
    b.metric("Challenger", f"v{names.challenger}" if names.challenger else "—")
    c.metric("Previous champion", f"v{names.previous}" if names.previous else "—")

    st.subheader("Runs")
    runs = model_room.runs(settings)
    if runs.height == 0:
        st.caption("No training runs logged yet.")
    else:
        st.dataframe(runs, hide_index=True, width="stretch", key="runs_table")
        run_id = st.selectbox("Run", options=runs["run_id"].to_list(), key="model_run")
        files = model_room.artifact_files(settings, run_id, Path(tempfile.gettempdir()) / "ptleads_artifacts")
        left, right = st.columns(2)
        for column, name in zip((left, right), model_room.EVALUATION_ARTIFACTS, strict=True):
            if name in files:
                caption = name.removesuffix(".png").capitalize()
                column.image(str(files[name]), caption=caption, width="stretch")
        if "feature_importances.csv" in files:
            st.markdown("#### Feature importances (holdout AUC drop when shuffled)")
            st.dataframe(pl.read_csv(files["feature_importances.csv"]), hide_index=True, key="importances")

    st.subheader("Champion vs challenger on the same holdout")
    versions = {k: v for k, v in (("champion", names.champion), ("challenger", names.challenger)) if v}
    if st.button("Compare on the holdout", key="compare", disabled=not versions):
        with st.spinner("Scoring the holdout…"):
            rows = model_room.holdout(info.path, settings)
            st.dataframe(
                model_room.compare_on_holdout(settings, versions, rows), hide_index=True, key="compare_table"
            )

st.subheader("Retrain and promote")
st.caption(
    "Retraining fits both model families on the published snapshot's feature mart; the new version "
    "becomes challenger and replaces the champion only if it wins the promotion gate."
)
confirm_train = st.checkbox("I want to retrain on the published data", key="confirm_retrain")
if st.button("Retrain", key="retrain", disabled=not confirm_train):
    with st.spinner("Training…"):
        outcome = model_room.retrain(info.path, settings)
    audit.record(user, "retrain", f"v{outcome.version}" if outcome.version else "", outcome.message)
    st.session_state[NOTICE_KEY] = ("success" if outcome.version else "warning", outcome.message)
    del st.session_state["confirm_retrain"]  # every retrain needs a fresh confirmation
    st.rerun()
if names.challenger:
    confirm = st.checkbox(f"Run the promotion gate for challenger v{names.challenger}", key="confirm_promote")
    if st.button("Promote through the gate", key="promote", disabled=not confirm):
        with st.spinner("Gating on the holdout…"):
            decision = model_room.promote_through_gate(info.path, settings, names.challenger)
        verdict = decision.verdict
        audit.record(user, "promote", f"v{names.challenger}", f"{verdict}: {decision.reason}")
        text = f"Challenger v{names.challenger} {verdict}: {decision.reason}"
        st.session_state[NOTICE_KEY] = ("success" if decision.promoted else "warning", text)
        del st.session_state["confirm_promote"]
        st.rerun()
else:
    st.caption("No challenger to promote: retrain first.")
