"""Load and validate practice.yaml, payers.yaml, diagnosis_groups.yaml; errors name file, key, line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A config file is unreadable or invalid; the message names file, key and line (never values)."""


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """Deepest YAML node along a pydantic error location (so the line points at the offending key)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                return node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


# Parsed YAML per (file, text): a run reads the same few config files several times (the actions steps
# ~5 times), and the YAML parse is ~99% of a load. Keyed by the text, so an edited file parses again;
# each load validates a deep copy, so callers never share (or mutate) one another's objects.
_PARSED: dict[tuple[str, str], object] = {}
_PARSED_MAX = 64


def _parse_yaml(path: Path, text: str) -> object:
    key = (str(path), text)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = yaml.safe_load(text)
    return copy.deepcopy(_PARSED[key])


def load_validated_yaml(path: Path, model: type[M]) -> M:
    """Parse YAML at `path` into `model`; raise ConfigError naming the file, key path and line."""
    try:
        text = path.read_text(encoding="utf-8")
        data = _parse_yaml(path, text)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        node = _node_at(yaml.compose(text), loc)  # the node tree only to name the line (text parsed)
        line = node.start_mark.line + 1 if node is not None else 1
        key = ".".join(str(p) for p in loc) or "(top level)"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{path}: key {key} (line {line}): {err['msg']}{more}") from exc


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class Clinic(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    address: str | None = None
    zip: str = Field(pattern=r"^\d{5}$")
    timezone: str
    phone: str | None = None
    fax: str | None = None
    hours: dict[str, str] = Field(default_factory=dict)

    _tz = field_validator("timezone")(_check_timezone)


class Therapist(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    clinic: str
    specialties: list[str] = Field(default_factory=list)


class Practice(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    npi: str | None = None
    tax_id: str | None = None
    clinics: list[Clinic] = Field(min_length=1)
    therapists: list[Therapist] = Field(default_factory=list)

    @model_validator(mode="after")
    def _therapists_work_at_known_clinics(self) -> Practice:
        ids = {c.id for c in self.clinics}
        for t in self.therapists:
            if t.clinic not in ids:
                raise ValueError(f"therapist {t.id} names unknown clinic {t.clinic}")
        return self


class Payer(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    payer_id: str | None = None
    tier: Literal["high", "standard", "low"]
    rate_per_visit: float = Field(ge=0)
    auth_required: bool = False
    aliases: list[str] = Field(default_factory=list)


class Payers(BaseModel):
    payers: list[Payer] = Field(min_length=1)


class DiagnosisGroup(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    label: str
    expected_visits: int = Field(ge=1)
    prefixes: list[str] = Field(min_length=1)


class DiagnosisGroups(BaseModel):
    groups: list[DiagnosisGroup] = Field(min_length=1)


class PracticeConfig(BaseModel):
    practice: Practice
    payers: list[Payer]
    diagnosis_groups: list[DiagnosisGroup]


def load_practice_config(config_dir: Path) -> PracticeConfig:
    """All three practice files, validated; ConfigError on the first problem."""
    return PracticeConfig(
        practice=load_validated_yaml(config_dir / "practice.yaml", Practice),
        payers=load_validated_yaml(config_dir / "payers.yaml", Payers).payers,
        diagnosis_groups=load_validated_yaml(config_dir / "diagnosis_groups.yaml", DiagnosisGroups).groups,
    )
