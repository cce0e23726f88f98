"""One settings object for the CLI, Dagster resources and dbt: env vars with defaults, absolute paths."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# DuckDB's own default is 80% of RAM per connection; a practice server also runs the app and the parse
# workers, and the 1M-lead build must stay under 8 GB: past this DuckDB spills to disk instead of growing.
DEFAULT_DUCKDB_MEMORY_LIMIT = "4GB"


def _env_path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name, str(default))).expanduser().resolve()


def parse_as_of(value: str | None) -> datetime:
    """Parse an ISO timestamp or date; naive values are UTC. None means now."""
    if not value:
        return datetime.now(UTC).replace(microsecond=0)
    ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


@dataclass(frozen=True)
class Settings:
    """Where everything lives. Every path is absolute so dbt and Dagster agree from any folder."""

    data_dir: Path = field(default_factory=lambda: _env_path("PTLEADS_DATA_DIR", REPO_ROOT / "data"))
    inbox: Path = field(default_factory=lambda: _env_path("PTLEADS_INBOX", REPO_ROOT / "data" / "inbox"))
    warehouse: Path = field(
        default_factory=lambda: _env_path("PTLEADS_WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb")
    )
    config_dir: Path = field(default_factory=lambda: _env_path("PTLEADS_CONFIG", REPO_ROOT / "config"))
    as_of: datetime = field(default_factory=lambda: parse_as_of(os.environ.get("PTLEADS_AS_OF")))
    duckdb_memory_limit: str = field(
        default_factory=lambda: os.environ.get("PTLEADS_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)
    )

    @property
    def quarantine(self) -> Path:
        return self.warehouse.parent / "quarantine"

    @property
    def outbox(self) -> Path:
        return self.warehouse.parent / "outbox"

    @property
    def snapshot(self) -> Path:
        """The read-only copy the app opens; published atomically after each run."""
        return self.warehouse.parent / "serving" / "snapshot.duckdb"

    @property
    def app_store(self) -> Path:
        """Small store the app writes (outcomes, corrections, audit); the pipeline reads it as a source."""
        return self.warehouse.parent / "app_store"

    @property
    def mlflow_uri(self) -> str:
        return "sqlite:///" + str(self.warehouse.parent / "mlflow" / "mlflow.db")

    @property
    def mlflow_artifacts(self) -> Path:
        return self.warehouse.parent / "mlflow" / "artifacts"

    @property
    def dbt_project_dir(self) -> Path:
        return REPO_ROOT / "dbt_project"

    def with_overrides(self, **kwargs: object) -> Settings:
        clean = {k: v for k, v in kwargs.items() if v is not None}
        for key in ("inbox", "warehouse", "config_dir", "data_dir"):
            if key in clean:
                clean[key] = Path(str(clean[key])).expanduser().resolve()
        return replace(self, **clean)

    def export_env(self) -> dict[str, str]:
        """Environment for subprocesses (dbt profiles.yml, Streamlit) so they see the same paths."""
        return {
            "PTLEADS_DATA_DIR": str(self.data_dir),
            "PTLEADS_INBOX": str(self.inbox),
            "PTLEADS_WAREHOUSE": str(self.warehouse),
            "PTLEADS_CONFIG": str(self.config_dir),
            "PTLEADS_AS_OF": self.as_of.isoformat(),
            "PTLEADS_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
        }

    def duckdb_config(self) -> dict[str, str]:
        """Connection settings for every writer connection to the warehouse (dbt's come from profiles.yml)."""
        return {"memory_limit": self.duckdb_memory_limit}
