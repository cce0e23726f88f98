"""`config/ingest.yaml`: thresholds and defaults of ingestion (review threshold, 270 re-ask window)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestration.practice_config import load_validated_yaml

FILE_NAME = "ingest.yaml"


class FaxSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_threshold: float = Field(default=0.80, ge=0, le=1)


class Eligibility270Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reask_after_days: int = Field(default=14, ge=0)
    sender_id: str = Field(default="PTLEADS", min_length=1, max_length=15)
    receiver_id: str = Field(default="CLEARINGHOUSE", min_length=1, max_length=15)


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_timezone: str = "America/Chicago"
    fax: FaxSettings = Field(default_factory=FaxSettings)
    eligibility_270: Eligibility270Settings = Field(default_factory=Eligibility270Settings)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)


def load_ingest_config(config_dir: Path) -> IngestConfig:
    """The validated config, or the defaults when the practice ships no ingest.yaml."""
    path = config_dir / FILE_NAME
    return load_validated_yaml(path, IngestConfig) if path.exists() else IngestConfig()
