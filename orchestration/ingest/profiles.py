"""Mapping profiles (config/profiles/*.yaml): which column of a vendor file means which canonical field."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orchestration.ingest.records import QuarantineFile
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


@dataclass(frozen=True)
class BrokenProfile:
    """A profile file that failed validation. Ingestion keeps going: only the files it would have mapped
    are quarantined, with `problem` as the reason (source and match are read leniently; None = unknown)."""

    file: str
    problem: str
    source: str | None = None
    match: str | None = None

    def covers(self, source: str, file_name: str) -> bool:
        return self.source == source and self.match is not None and _glob(file_name, self.match)

    def may_cover(self, source: str) -> bool:
        """True when the file is too broken to tell its source or glob, so it may have meant this one."""
        return (self.source is None or self.source == source) and self.match is None

    def reason(self) -> str:
        return f"mapping profile {self.file} is invalid: {self.problem} (fix it, then re-queue this file)"


def _glob(file_name: str, pattern: str) -> bool:
    return fnmatch.fnmatch(file_name.lower(), pattern.lower())


def _load_each(folder: Path) -> list[MappingProfile | BrokenProfile]:
    loaded: list[MappingProfile | BrokenProfile] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            profile = load_validated_yaml(path, MappingProfile)
        except ConfigError as exc:
            # The message starts with the full path; a quarantine reason names the file alone.
            problem = str(exc).removeprefix(f"{path}:").strip()
            loaded.append(BrokenProfile(path.name, problem, *_scope(path)))
            continue
        if profile.name in seen:
            problem = f"key name: profile name {profile.name!r} also used in {seen[profile.name]}"
            loaded.append(BrokenProfile(path.name, problem, profile.source, profile.match))
            continue
        seen[profile.name] = path.name
        loaded.append(profile)
    return loaded


def _scope(path: Path) -> tuple[str | None, str | None]:
    """`source` and `match` of a profile that failed validation, when the YAML still says them."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    source, match = data.get("source"), data.get("match")
    return (source if isinstance(source, str) else None, match if isinstance(match, str) else None)


def load_profiles(config_dir: Path) -> tuple[MappingProfile, ...]:
    """Every profile under config/profiles, validated; ConfigError (file, key, line) on the first bad one."""
    loaded = _load_each(config_dir / "profiles")
    for entry in loaded:
        if isinstance(entry, BrokenProfile):
            raise ConfigError(f"{config_dir / 'profiles' / entry.file}: {entry.problem}")
    return tuple(p for p in loaded if isinstance(p, MappingProfile))


def load_profiles_for_ingest(config_dir: Path) -> tuple[MappingProfile | BrokenProfile, ...]:
    """Every profile, a bad one kept as a BrokenProfile instead of raising: one typo in one vendor's
    profile must not stop FHIR, fax and every other source (pick_profile quarantines its files)."""
    return tuple(_load_each(config_dir / "profiles"))


def pick_profile(
    profiles: tuple[MappingProfile | BrokenProfile, ...], source: str, file_name: str
) -> MappingProfile | None:
    """First profile of this source whose glob matches the file name (case-insensitive).

    Raises QuarantineFile naming the profile file when that first match is a broken profile, or when
    nothing matches and a profile too broken to tell its source or glob may have been meant for it."""
    for profile in profiles:
        if isinstance(profile, BrokenProfile):
            if profile.covers(source, file_name):
                raise QuarantineFile(profile.reason())
        elif profile.source == source and _glob(file_name, profile.match):
            return profile
    unknown = [p for p in profiles if isinstance(p, BrokenProfile) and p.may_cover(source)]
    if unknown:
        raise QuarantineFile(
            f"no mapping profile of source {source} matches {file_name}; {unknown[0].reason()}"
        )
    return None
