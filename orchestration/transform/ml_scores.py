"""The Python step between the dbt phases: train a baseline if none exists, then score open leads."""

import importlib

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.resources import PtleadsSettings, WarehouseResource, progress
from orchestration.transform.reference_data import LEAD_SCORES_DDL


@asset(
    key=AssetKey(["marts", "lead_scores"]),
    deps=[AssetKey(["marts", "ml_lead_features"])],
    group_name="ml",
    description="Scores of open leads (ml.score); empty until a model exists.",
)
def lead_scores(
    context: AssetExecutionContext, settings: PtleadsSettings, warehouse: WarehouseResource
) -> MaterializeResult:
    resolved = settings.to_settings()
    try:  # ml/ is developed alongside; the pipeline must run before it lands
        train = importlib.import_module("ml.train")
        score = importlib.import_module("ml.score")
    except ImportError as exc:
        message = f"scoring skipped: ml package not importable ({exc.name})"
        progress(f"warning: {message}")
        context.log.warning(message)
        with warehouse.connect() as con:
            con.execute("CREATE SCHEMA IF NOT EXISTS marts")
            con.execute(LEAD_SCORES_DDL)
        return MaterializeResult(metadata={"scored": 0, "skipped": True})
    with warehouse.connect() as con:
        con.execute(LEAD_SCORES_DDL)
        version = train.train_if_needed(con, resolved)
        scored = score.score_open_leads(con, resolved)
    progress(
        f"scoring: {scored} open leads scored" + (f" (trained model version {version})" if version else "")
    )
    return MaterializeResult(metadata={"scored": scored, "trained_version": version or ""})
