"""The ML assets: `lead_scores` (between the dbt phases: train a baseline if none exists, then score
open leads) and `lead_scoring_model` (retrain and gate; weekly schedule, CLI `ptleads train`, app)."""

import contextlib
import threading

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.resources import PtleadsSettings, WarehouseResource, progress
from orchestration.schedules import TRAIN_ASSET_KEY
from orchestration.transform.reference_data import LEAD_SCORES_DDL

# `route` joined the scores after the shared DDL was written; older warehouses gain it here.
ROUTE_COLUMN_DDL = "ALTER TABLE marts.lead_scores ADD COLUMN IF NOT EXISTS route VARCHAR"

_warming: list[threading.Thread] = []


def _import_scoring_modules() -> None:
    import skops.io  # noqa: F401  (its import lists every sklearn estimator and scans sys.modules per ufunc)

    import ml.score  # noqa: F401  (sklearn, scipy, polars)


def warm_scoring_imports() -> None:
    """Import the scorer's modules (sklearn, scipy, skops: seconds of CPU in a process as large as a
    pipeline run's) in a daemon thread, once per process. Meant for while dbt phase 1 runs in its child
    process and this one waits; `lead_scores` then finds them imported. Nothing else happens here: an
    import that fails is retried, and reported, by the asset itself."""
    if _warming:
        return
    thread = threading.Thread(target=_warm_quietly, name="ptleads-warm-scoring", daemon=True)
    _warming.append(thread)
    thread.start()


def _warm_quietly() -> None:
    # an import that fails here fails again in the asset, which reports it
    with contextlib.suppress(Exception):
        _import_scoring_modules()


@asset(
    key=AssetKey(["marts", "lead_scores"]),
    deps=[AssetKey(["marts", "ml_lead_features"])],
    group_name="ml",
    description="Open leads scored by ml.score: score, tier, route, expected value, reasons, model version.",
)
def lead_scores(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    from ml import registry  # imported when the asset runs: sklearn and skops are heavy
    from ml.score import score_open_leads

    resolved = settings.to_settings()
    with warehouse.connect() as con:
        con.execute(LEAD_SCORES_DDL)
        con.execute(ROUTE_COLUMN_DDL)
        version = None
        if registry.first_model_may_train(resolved):
            from ml.train import train_if_needed  # MLflow itself: imported only when it may train

            version = train_if_needed(con, resolved)
        scored = score_open_leads(con, resolved)
    progress(
        f"scoring: {scored} open leads scored" + (f" (trained model version {version})" if version else "")
    )
    return MaterializeResult(metadata={"scored": scored, "trained_version": version or ""})


@asset(
    key=TRAIN_ASSET_KEY,
    deps=[AssetKey(["marts", "ml_lead_features"])],
    group_name="ml",
    description="Retrain both model families on the feature mart, register a challenger, gate it (MLflow).",
)
def lead_scoring_model(
    context: AssetExecutionContext, settings: PtleadsSettings, warehouse: WarehouseResource
) -> MaterializeResult:
    from ml.train import train

    with warehouse.connect() as con:
        report = train(con, settings.to_settings(), force=True)
    if report.version is None:
        context.log.info(f"no model trained: {report.skipped}")
        return MaterializeResult(metadata={"trained": False, "skipped": report.skipped})
    promoted = report.gate.promoted if report.gate is not None else report.alias == "champion"
    return MaterializeResult(
        metadata={
            "trained": True,
            "version": report.version,
            "family": report.family,
            "alias": report.alias or "",
            "promoted": promoted,
            "holdout_auc": float(report.metrics.get("auc", float("nan"))),
            "gate": report.gate.reason if report.gate is not None else "first model: champion",
        }
    )
