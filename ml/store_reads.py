"""Read-only look-ups in the MLflow sqlite store and local artifact folders, without importing MLflow.

Importing MLflow and opening its SQLAlchemy store costs seconds per process; the daily scoring needs two
facts from it (the version an alias names, where that version's files are). Each function answers only
when the store holds exactly what it expects; otherwise it says so (UNREADABLE / None) and the caller
asks MLflow, so a store of another layout is still served, only more slowly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

# MLflow's default workspace: the only one ptleads uses (a store without workspaces is UNREADABLE here).
WORKSPACE = "default"
UNREADABLE = object()  # the store could not answer the question; ask MLflow
DELETED = "Deleted_Internal"  # MLflow's stage of a deleted version (its look-ups skip such rows)


def _rows(store: Path, sql: str, params: tuple[object, ...]) -> list[tuple] | None:
    """Rows of one query on a read-only connection; None when the store is missing or not this schema."""
    if not store.exists():
        return None
    try:
        con = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None


def alias_version(store: Path, model_name: str, alias: str) -> str | object | None:
    """The version `alias` names, None when there is no such alias or its version is gone (where MLflow's
    get_model_version_by_alias raises), or UNREADABLE."""
    if alias.lower() == "latest":
        return UNREADABLE  # MLflow's reserved alias: resolved by MLflow, not stored
    rows = _rows(
        store,
        """
        select a.version, exists (
            select 1 from model_versions as v
            where v.name = a.name and v.version = a.version and v.workspace = a.workspace
                and v.current_stage != ?
        )
        from registered_model_aliases as a
        where a.name = ? and a.alias = ? and a.workspace = ?
        """,
        (DELETED, model_name, alias, WORKSPACE),
    )
    if rows is None or len(rows) > 1:
        return UNREADABLE
    return str(rows[0][0]) if rows and rows[0][1] else None


def local_model_folder(store: Path, model_name: str, version: str) -> Path | None:
    """The local folder MLflow would download `models:/<name>/<version>` from (its storage location, as
    MLflow resolves a model version's download URI), or None when it is not a local folder that exists."""
    try:
        number = int(version)
    except ValueError:
        return None
    rows = _rows(
        store,
        """
        select storage_location, source from model_versions
        where name = ? and version = ? and workspace = ? and current_stage != ?
        """,
        (model_name, number, WORKSPACE, DELETED),
    )
    if not rows or len(rows) > 1:
        return None
    location = rows[0][0] or rows[0][1]
    if not location:
        return None
    parsed = urlparse(location)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    folder = Path(unquote(parsed.path))
    return folder if folder.is_dir() else None


def recorded_trusted_types(model_folder: Path) -> list[str] | None:
    """The skops trust list logged in the folder's MLmodel at training, or None when there is none (the
    caller checks it like any other list)."""
    try:
        meta = yaml.safe_load((model_folder / "MLmodel").read_text(encoding="utf-8"))
        types = meta["flavors"]["sklearn"]["skops_trusted_types"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        return None
    return sorted(types)
