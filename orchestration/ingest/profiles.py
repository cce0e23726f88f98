"""Mapping profiles (config/profiles/*.yaml): which column of a vendor file means which canonical field."""

from __future__ import annotations

import fnmatch
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orchestration.practice_config import ConfigError, load_validated_yaml

LEAD_FIELDS = frozenset(
    [
        "received_at",
        "first_name",
        "last_name",
        "full_name",
        "dob",
        "sex",
        "phone",
        "email",
        "address",
        "zip",
        "language",
        "diagnosis_codes",
        "diagnosis_text",
        "referring_name",
        "referring_npi",
        "referring_practice",
        "payer",
        "member_id",
        "plan_type",
        "clinic",
        "surgery_date",
        "post_op",
        "urgency",
        "notes",
        "preferred_contact",
        "sms_consent",
        "email_consent",
    ]
)
APPOINTMENT_FIELDS = frozenset(
    [
        "appointment_id",
        "patient_ref",
        "clinic",
        "therapist",
        "start",
        "duration_min",
        "type",
        "status",
        "created_at",
    ]
)
CALL_LOG_FIELDS = frozenset(
    ["call_id", "started_at", "direction", "from", "to", "duration", "result", "extension", "caller_name"]
)
# Referral reports, patient exports and appointment reports may carry the EMR's patient id and person
# fields to link on.
_FIELDS_BY_KIND: dict[str, frozenset[str]] = {
    "referral": LEAD_FIELDS | {"patient_ref"},
    "webform": LEAD_FIELDS,
    "patient": LEAD_FIELDS | {"patient_ref"},
    "appointment": APPOINTMENT_FIELDS | LEAD_FIELDS | {"patient_ref"},
    "call_log": CALL_LOG_FIELDS,
}


class MappingProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    source: str
    match: str
    kind: Literal["referral", "patient", "appointment", "call_log", "webform"]
    id: str | None = None
    columns: dict[str, str] = Field(min_length=1)
    formats: dict[str, str] = Field(default_factory=dict)
    # Vendor words -> canonical values per field, e.g. {status: {"No Show": noshow}}; case-insensitive.
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _canonical_columns(self) -> MappingProfile:
        unknown = sorted(set(self.columns) - _FIELDS_BY_KIND[self.kind])
        if unknown:
            raise ValueError(f"not canonical {self.kind} fields: {', '.join(unknown)}")
        stray = sorted(set(self.formats) - set(self.columns))
        if stray:
            raise ValueError(f"formats for unmapped fields: {', '.join(stray)}")
        stray = sorted(set(self.values) - set(self.columns))
        if stray:
            raise ValueError(f"values for unmapped fields: {', '.join(stray)}")
        return self

    @cached_property
    def value_maps(self) -> dict[str, dict[str, str]]:
        """`values` with case- and space-folded vendor words, for lookups."""
        return {f: {k.strip().lower(): v for k, v in m.items()} for f, m in self.values.items()}

    def canonical_value(self, name: str, text: str | None) -> str | None:
        """The canonical word for a vendor value of field `name` (the text itself when unmapped)."""
        if text is None:
            return None
        mapping = self.value_maps.get(name)
        return mapping.get(text.strip().lower(), text) if mapping else text

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def file_columns(self) -> set[str]:
        """Columns the file must carry (the mapped ones plus the id column)."""
        return set(self.columns.values()) | ({self.id} if self.id else set())


def load_profiles(config_dir: Path) -> tuple[MappingProfile, ...]:
    """Every profile under config/profiles, validated; ConfigError names file, key and line."""
    folder = config_dir / "profiles"
    profiles = tuple(load_validated_yaml(p, MappingProfile) for p in sorted(folder.glob("*.yaml")))
    seen: dict[str, str] = {}
    for path, profile in zip(sorted(folder.glob("*.yaml")), profiles, strict=True):
        if profile.name in seen:
            raise ConfigError(
                f"{path}: key name: profile name {profile.name!r} also used in {seen[profile.name]}"
            )
        seen[profile.name] = path.name
    return profiles


def pick_profile(profiles: tuple[MappingProfile, ...], source: str, file_name: str) -> MappingProfile | None:
    """First profile of this source whose glob matches the file name (case-insensitive)."""
    for profile in profiles:
        if profile.source == source and fnmatch.fnmatch(file_name.lower(), profile.match.lower()):
            return profile
    return None
