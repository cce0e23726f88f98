"""MLflow wiring: local sqlite tracking store, one experiment, the `ptleads-convert` registered model.

Everything MLflow-related goes through here so the tracking URI, artifact location and the
no-network switches are set in one place before MLflow is touched.

The daily scoring only reads: which version an alias names, and that version's skops file. Both are read
from the sqlite store and the local artifact folder directly (`store_reads`), without importing MLflow
(seconds of module and SQLAlchemy start-up per run); anything those reads cannot answer goes through
MLflow as before.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

# Set before mlflow is imported: its telemetry client starts at import time and would try the network.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
# Requirements are passed explicitly; no `uv export` subprocess, no uv.lock copied into artifacts.
os.environ.setdefault("MLFLOW_LOG_UV_FILES", "false")
os.environ.setdefault("MLFLOW_UV_AUTO_DETECT", "false")  # no uv project detection / `uv export` on log

from ml import store_reads
from orchestration.settings import Settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

MODEL_NAME = "ptleads-convert"
NO_SHOW_MODEL_NAME = "ptleads-noshow"
EXPERIMENT_NAME = "ptleads-convert"
CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS = "previous-champion"  # set on every promotion so a rollback is one alias move
# Types a fitted baseline pipeline may hold; anything else in an artifact is refused at load time.
TRUSTED_MODULE_PREFIXES = ("numpy.", "scipy.", "sklearn.")
# Exact stdlib types sklearn estimators hold (calibrated boosted models keep a functools.partial whose
# wrapped function is itself listed and prefix-checked).
TRUSTED_EXACT_TYPES = frozenset({"functools.partial"})

log = logging.getLogger(__name__)


def quiet_mlflow() -> None:
    """MLflow logs INFO lines (store migrations, uv detection) and pip warnings: not for the CLI."""
    for name in ("mlflow", "alembic", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


quiet_mlflow()


def configure(settings: Settings) -> MlflowClient:
    """Point MLflow at the settings' sqlite store and return a client bound to it."""
    import mlflow
    from mlflow import MlflowClient

    from ml.mlflow_store_seed import seed_store

    quiet_mlflow()  # MLflow sets its loggers' levels when first imported, which may be only now

    db_path = settings.warehouse.parent / "mlflow"
    db_path.mkdir(parents=True, exist_ok=True)
    seed_store(db_path / "mlflow.db")  # a copy of a migrated empty store instead of seconds of migrations
    settings.mlflow_artifacts.mkdir(parents=True, exist_ok=True)
    # The env var makes subprocesses (mlflow ui, Dagster workers) see the same store.
    os.environ["MLFLOW_TRACKING_URI"] = settings.mlflow_uri
    mlflow.set_tracking_uri(settings.mlflow_uri)
    mlflow.set_registry_uri(settings.mlflow_uri)
    mlflow.sklearn.autolog(disable=True)
    return MlflowClient(tracking_uri=settings.mlflow_uri, registry_uri=settings.mlflow_uri)


def ensure_experiment(settings: Settings) -> str:
    """The experiment id, creating it with the settings' artifact folder on first use."""
    client = configure(settings)
    experiment = client.get_experiment_by_name(EXPERIMENT_NAME)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(EXPERIMENT_NAME, artifact_location=settings.mlflow_artifacts.as_uri())


def store_path(settings: Settings) -> Path:
    return settings.warehouse.parent / "mlflow" / "mlflow.db"


def store_exists(settings: Settings) -> bool:
    return store_path(settings).exists()


def alias_version(settings: Settings, alias: str = CHAMPION, model_name: str = MODEL_NAME) -> str | None:
    """The registered version behind an alias, or None when the model or alias does not exist yet."""
    if not store_exists(settings):
        return None  # creating an empty store costs seconds of schema migrations; cold start needs none
    found = store_reads.alias_version(store_path(settings), model_name, alias)
    if found is not store_reads.UNREADABLE:
        return found  # type: ignore[return-value]
    from mlflow.exceptions import MlflowException

    client = configure(settings)
    try:
        return str(client.get_model_version_by_alias(model_name, alias).version)
    except MlflowException:
        return None


def champion_version(settings: Settings) -> str | None:
    return alias_version(settings, CHAMPION)


def first_model_may_train(settings: Settings) -> bool:
    """False when `train.train_if_needed` would return at once (a champion or a challenger exists): the
    daily run then needs neither MLflow nor the training code."""
    return champion_version(settings) is None and alias_version(settings, CHALLENGER) is None


def trusted_types_of(model: object) -> list[str]:
    """The non-default types skops must trust to load `model`, refused unless numpy/scipy/sklearn."""
    import skops.io

    types = sorted(skops.io.get_untrusted_types(data=skops.io.dumps(model)))
    _check_trusted(types)
    return types


def _check_trusted(types: list[str]) -> None:
    foreign = [t for t in types if t not in TRUSTED_EXACT_TYPES and not t.startswith(TRUSTED_MODULE_PREFIXES)]
    if foreign:
        raise ValueError(f"model references types outside {TRUSTED_MODULE_PREFIXES}: {foreign}")


def load_champion(settings: Settings, model_name: str = MODEL_NAME) -> tuple[object, str] | None:
    """The champion sklearn pipeline and its version, or None at cold start."""
    version = alias_version(settings, CHAMPION, model_name)
    if version is None:
        return None
    return load_version(settings, version, model_name), version


def load_version(settings: Settings, version: str, model_name: str = MODEL_NAME) -> object:
    """One registered version's sklearn model.

    Loads the skops file itself with a trust list checked here in code (`_check_trusted`): MLflow's own
    loader would take the trust list from the artifact unchecked, which a tampered store could widen.
    A model `preload_champions` loaded from the same unchanged files is handed over instead (once).
    """
    local = store_reads.local_model_folder(store_path(settings), model_name, version)
    if local is None:
        import mlflow

        configure(settings)
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{model_name}/{version}"))
    files = sorted(local.rglob("*.skops"))
    if not files:
        raise FileNotFoundError(f"{model_name} v{version} has no skops model file")
    with _preload_lock:
        ready = _preloaded.pop((str(store_path(settings)), model_name, version), None)
    if ready is not None and ready[0] == _files_identity(local, files[0]):
        log.debug("%s v%s: the model preloaded during dbt phase 1", model_name, version)
        return ready[1]
    return load_skops(files[0], store_reads.recorded_trusted_types(local))


# Champions loaded ahead of the daily scoring (while dbt phase 1 runs and this process only waits), by
# (store, model name, version): each is handed over once, to the next load of that version, and only if
# its files are still the ones loaded (path, size, mtime, inode of the skops file and of MLmodel).
_preloaded: dict[tuple[str, str, str], tuple[tuple[object, ...], object]] = {}
_preload_lock = threading.Lock()


def _files_identity(folder: Path, model_file: Path) -> tuple[object, ...]:
    out: list[object] = []
    for path in (model_file, folder / "MLmodel"):
        try:
            st = path.stat()
        except OSError:
            out.append((str(path), None))
            continue
        out.append((str(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev))
    return tuple(out)


def preload_champions(settings: Settings) -> None:
    """Load both champions (conversion, no-show) for the next `load_version` of the same version.

    Only from the local store and artifact folders (never MLflow itself); anything it cannot load is
    left to the scoring, which loads (and reports) it as before."""
    store = store_path(settings)
    for name in (MODEL_NAME, NO_SHOW_MODEL_NAME):
        found = store_reads.alias_version(store, name, CHAMPION) if store.exists() else None
        if not isinstance(found, str):
            continue
        local = store_reads.local_model_folder(store, name, found)
        files = sorted(local.rglob("*.skops")) if local is not None else []
        if local is None or not files:
            continue
        before = _files_identity(local, files[0])
        model = load_skops(files[0], store_reads.recorded_trusted_types(local))
        if _files_identity(local, files[0]) == before:  # not replaced while it loaded
            with _preload_lock:
                _preloaded[(str(store), name, found)] = (before, model)


def load_skops(path: Path, recorded: list[str] | None = None) -> object:
    """The skops file at `path`, trusting only types `_check_trusted` accepts.

    `recorded` is the list logged beside the model at training (MLmodel's skops_trusted_types): checked
    like any other, it spares listing the file's types first (a second walk of the whole object tree).
    skops refuses a file holding any type outside the list passed, so the policy is the same either way;
    without a usable list the file's own types are listed and checked.
    """
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    if recorded is not None:
        try:
            _check_trusted(recorded)
        except ValueError:
            recorded = None  # a widened list is not used; the file's own types decide (and are checked)
    if recorded is not None:
        try:
            return skops.io.load(path, trusted=recorded)
        except UntrustedTypesFoundException:
            pass  # the file holds a type the list lacks: list the file's own types
    types = sorted(skops.io.get_untrusted_types(file=path))
    _check_trusted(types)
    return skops.io.load(path, trusted=types)


def set_alias(settings: Settings, alias: str, version: str, model_name: str = MODEL_NAME) -> None:
    configure(settings).set_registered_model_alias(model_name, alias, version)


def register(settings: Settings, model_uri: str, run_id: str, model_name: str = MODEL_NAME) -> str:
    """A new registered version via the client (the fluent API prints to stderr); returns its number."""
    from mlflow.exceptions import MlflowException

    client = configure(settings)
    try:
        client.get_registered_model(model_name)
    except MlflowException:
        client.create_registered_model(model_name)
    version = client.create_model_version(model_name, model_uri, run_id=run_id, tags={"run_id": run_id})
    return str(version.version)
