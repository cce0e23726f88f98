"""One settings object for the CLI, Dagster resources and dbt: env vars with defaults, absolute paths."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _usable_ram() -> int | None:
    """Bytes of RAM this process may use: the machine's, or its cgroup's limit where that is lower."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    try:
        cap = Path("/sys/fs/cgroup/memory.max").read_text(encoding="utf-8").strip()
        return min(ram, int(cap)) if cap.isdigit() else ram
    except OSError:
        return ram


def memory_limit_for(ram_bytes: int | None) -> str:
    """A quarter of the RAM, never under 4GB. DuckDB's own default is 80% of RAM per connection; a practice
    server also runs the app and the parse workers, and past the cap DuckDB spills to disk instead of
    growing. Not a flat 4GB: some operators cannot spill, and the 1M-lead first build failed at 4GB in
    int_source_records (3.7/3.7 GiB used) where 6GB (a quarter of a 24 GiB server) builds it under 7 GB
    RSS."""
    quarter_gb = (ram_bytes or 0) // 4 // 10**9
    return f"{max(4, quarter_gb)}GB"


DEFAULT_DUCKDB_MEMORY_LIMIT = memory_limit_for(_usable_ram())


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
