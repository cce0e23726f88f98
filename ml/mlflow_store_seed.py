"""A new MLflow sqlite store starts as a copy of an empty, fully migrated one.

MLflow creates a sqlite store by replaying its alembic migrations, 6-9 s of CPU. A practice pays that
once, but so does every fresh store: each test warehouse, each benchmark, a new data folder. The first
creation on a machine keeps an empty migrated store in the user's cache, keyed by the MLflow version;
later stores copy it. The copy holds the schema only: its Default experiment (whose artifact root
belongs to the store that made it) is deleted, so MLflow creates it afresh for the new store.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import mlflow

log = logging.getLogger(__name__)


def template_path() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ptleads" / f"mlflow-empty-store-{mlflow.__version__}.db"


def _build_template(target: Path) -> None:
    """Migrate a store in a scratch folder, empty it, then move it into place atomically (parallel test
    workers may race here: the last rename wins and every copy is equally good)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        db = Path(scratch) / "mlflow.db"
        store = SqlAlchemyStore(f"sqlite:///{db}", (Path(scratch) / "artifacts").as_uri())
        store.engine.dispose()
        with sqlite3.connect(db) as con:
            con.execute("delete from experiment_tags")
            con.execute("delete from experiments")
        os.replace(db, target)


def seed_store(db_file: Path) -> None:
    """Put an empty migrated store at `db_file` unless a store is already there. The copy appears whole or
    not at all (a second process opening the store meanwhile never sees half a file, and a store made
    meanwhile is never replaced). Best effort: when the cache cannot be written, MLflow creates the store
    itself as before."""
    if db_file.exists():
        return
    template = template_path()
    partial = db_file.with_name(f".{db_file.name}.{os.getpid()}.seed")
    try:
        if not template.exists():
            _build_template(template)
        shutil.copyfile(template, partial)
        os.link(partial, db_file)
    except FileExistsError:
        pass  # another process seeded or created it first
    except (OSError, sqlite3.Error) as exc:
        log.info("no MLflow store template (%s): MLflow migrates a new store", type(exc).__name__)
    finally:
        partial.unlink(missing_ok=True)
