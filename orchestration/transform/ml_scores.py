"""The ML assets: `lead_scores` (between the dbt phases: train a baseline if none exists, then score
open leads), `ml_drift` (the score drift report, after the call list) and `lead_scoring_model` (retrain and
gate; weekly schedule, CLI `ptleads train`, app)."""

import contextlib
import os
import threading

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.resources import AFTER_CALL_LIST, PtleadsSettings, WarehouseResource, progress
from orchestration.schedules import TRAIN_ASSET_KEY
from orchestration.settings import Settings
from orchestration.transform.reference_data import LEAD_SCORES_DDL

# `route` joined the scores after the shared DDL was written; older warehouses gain it here.
ROUTE_COLUMN_DDL = "ALTER TABLE marts.lead_scores ADD COLUMN IF NOT EXISTS route VARCHAR"

_warming: list[threading.Thread] = []
_RUN_PATH = "PTLEADS_WAREHOUSE"  # set for the length of a run (orchestration.resources.settings_env)
WARMING_WAIT_S = 60.0  # imports take seconds; a warm-up longer than this is left to finish on its own


def _import_scoring_modules() -> None:
    import skops.io  # noqa: F401  (its import lists every sklearn estimator and scans sys.modules per ufunc)

    import ml.score  # noqa: F401  (sklearn, scipy, polars)


def warm_scoring_imports() -> None:
    """Import the scorer's modules (sklearn, scipy, skops: seconds of CPU in a process as large as a
    pipeline run's) in a daemon thread, one at a time. Meant for while dbt phase 1 runs in its child
    process and this one waits; `lead_scores` then finds them imported. Inside a run (its PTLEADS_* paths
    in the environment) the thread then loads that warehouse's champions, which the scoring's own load
    takes over when the version and files are the same (ml.registry.preload_champions). Nothing else
    happens here: an import or load that fails is retried, and reported, by the asset itself."""
    _warming[:] = [t for t in _warming if t.is_alive()]
    if _warming:
        return
    run_settings = _run_settings()
    thread = threading.Thread(
        target=_warm_quietly, args=(run_settings,), name="ptleads-warm-scoring", daemon=True
    )
    _warming.append(thread)
    thread.start()


def _run_settings() -> Settings | None:
    """The running pipeline's settings, read now (the run restores the environment when it ends)."""
    if _RUN_PATH not in os.environ:
        return None
    try:
        return Settings()
    except Exception:  # a warm-up never fails the dbt phase it runs beside
        return None


def _warm_quietly(run_settings: Settings | None) -> None:
    # an import or a load that fails here fails again in the asset, which reports it
    with contextlib.suppress(Exception):
        _import_scoring_modules()
        if run_settings is not None:
            from ml import registry

            registry.preload_champions(run_settings)


def _wait_for_warming(timeout_s: float) -> None:
    """Let a warm-up still running finish (its imports hold the import lock; its load would be repeated)."""
    for thread in _warming:
        thread.join(timeout=timeout_s)


@asset(
    key=AssetKey(["marts", "lead_scores"]),
    deps=[AssetKey(["marts", "ml_lead_features"])],
    group_name="ml",
    description="Open leads scored by ml.score: score, tier, route, expected value, reasons, model version.",
)
def lead_scores(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    _wait_for_warming(WARMING_WAIT_S)
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
        scored = score_open_leads(con, resolved, drift=False)  # drift: the ml_drift asset
    progress(
        f"scoring: {scored} open leads scored" + (f" (trained model version {version})" if version else "")
    )
    return MaterializeResult(metadata={"scored": scored, "trained_version": version or ""})


@asset(
    key=AssetKey(["marts", "ml_drift"]),
    deps=[AssetKey(["marts", "lead_scores"])],
    group_name="ml",
    op_tags=AFTER_CALL_LIST,  # for analysts (the Models page): the staff's call list does not wait for it
    description="Scores of settled leads against their outcomes per receipt month, with the scoring's model.",
)
def ml_drift(settings: PtleadsSettings, warehouse: WarehouseResource) -> MaterializeResult:
    from ml.score import refresh_drift

    with warehouse.connect() as con:
        months = refresh_drift(con, settings.to_settings())
    progress(f"drift: {months} months of settled leads")
    return MaterializeResult(metadata={"months": months})


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
