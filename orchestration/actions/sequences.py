"""Nurture sequences, triggers, templates (config/sequences.yaml) and contact rules (config/compliance.yaml).

Both files are validated on load; a bad value raises ConfigError naming the file, key and line.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from string import Formatter
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from orchestration.practice_config import load_validated_yaml
from orchestration.settings import REPO_ROOT

Channel = Literal["call", "sms", "email"]
CHANNELS: tuple[Channel, ...] = ("call", "sms", "email")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """'30m', '2h', '1d', '1w' (or a timedelta) -> timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError("expected a duration like 30m, 2h or 1d")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int):  # YAML 1.1 reads 08:00 unquoted as sexagesimal minutes
        return time(value // 60, value % 60)
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError("expected a clock time like 08:00") from exc


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
SlaTier = Literal["complex", "high", "standard", "low"]
SLA_TIERS: tuple[SlaTier, ...] = ("complex", "high", "standard", "low")
# A tier without its own `sla:` target is held to standard's: complex cases are at least as urgent as
# standard ones, and a tier that silently had no target dropped out of marts.sla_metrics altogether.
SLA_FALLBACK_TIER: SlaTier = "standard"
Clock = Annotated[time, BeforeValidator(_parse_clock)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    id: str
    action: str
    channel: Channel
    after: Duration  # offset from the sequence start
    template: str


class Sequence(_Strict):
    description: str = ""
    start: Literal["received", "last_touch", "no_show"]
    steps: list[Step] = Field(min_length=1)


class EmailOpensTrigger(_Strict):
    min_opens: int = Field(ge=1)
    template: str
    owner_role: str = "intake_coordinator"


class SchedulingViewsTrigger(_Strict):
    min_views: int = Field(ge=1)
    template: str


class NoAnswerTrigger(_Strict):
    attempts: int = Field(ge=1)
    unanswered: list[str]
    template: str


class EscalateTrigger(_Strict):
    owner_role: str
    template: str


class Triggers(_Strict):
    email_opens_call: EmailOpensTrigger
    scheduling_views_incentive: SchedulingViewsTrigger
    no_answer_switch: NoAnswerTrigger
    escalate_overdue_high: EscalateTrigger


class ComplexWhen(_Strict):
    diagnosis_groups: list[str] = Field(default_factory=list)
    payer_tiers: list[str] = Field(default_factory=list)
    auth_required: bool = False
    inactive_coverage: bool = False


TEMPLATE_FIELDS = frozenset(
    {
        "first_name",
        "clinic_name",
        "clinic_phone",
        "therapist_name",
        "benefit_summary",
        "scheduling_link",
        "slots",
        "reason",
    }
)
REQUIRED_SEQUENCES = ("high", "standard", "complex", "reengagement", "no_show_recovery")


class WaitlistConfig(_Strict):
    """Outreach when a booked slot is cancelled (off unless the practice's file turns it on)."""

    enabled: bool = False
    # Every open lead waits for a slot; else only leads showing they want one (scheduling-page views).
    all_open_leads: bool = False
    horizon: Duration = timedelta(days=7)  # freed slots starting within this window are offered
    min_notice: Duration = timedelta(hours=3)  # the offer must be due at least this long before the slot
    offers_per_slot: int = Field(default=2, ge=1)
    channels: list[Channel] = Field(default_factory=lambda: ["call", "sms"], min_length=1)
    template: str = "waitlist_offer"


class SequencesConfig(_Strict):
    scheduling_link: str
    token_secret: str
    sla: dict[SlaTier, Duration]
    owner_roles: dict[Literal["call", "sms", "email", "none"], str]
    channel_fallback: dict[Channel, list[Channel]]
    complex_when: ComplexWhen
    tier_sequence: dict[Literal["high", "standard", "low"], str]
    reengage_after: Duration
    triggers: Triggers
    sequences: dict[str, Sequence]
    templates: dict[str, str]
    waitlist: WaitlistConfig = WaitlistConfig()

    def sla_target(self, tier: str) -> timedelta:
        """First-contact target of a priority tier; a tier without one gets the fallback tier's."""
        return self.sla.get(tier, self.sla[SLA_FALLBACK_TIER])  # type: ignore[call-overload]

    def sla_targets(self) -> dict[str, timedelta]:
        """Every priority tier's first-contact target, missing tiers filled from the fallback tier."""
        return {tier: self.sla_target(tier) for tier in SLA_TIERS}

    @model_validator(mode="after")
    def _references_resolve(self) -> SequencesConfig:
        if SLA_FALLBACK_TIER not in self.sla:
            raise ValueError(f"sla.{SLA_FALLBACK_TIER} is required (tiers without a target use it)")
        for name in REQUIRED_SEQUENCES:
            if name not in self.sequences:
                raise ValueError(f"sequence {name} is missing")
        for tier, name in self.tier_sequence.items():
            if name not in self.sequences:
                raise ValueError(f"tier_sequence.{tier} names unknown sequence {name}")
        used = [s.template for seq in self.sequences.values() for s in seq.steps]
        used += [self.triggers.email_opens_call.template, self.triggers.scheduling_views_incentive.template]
        used += [self.triggers.escalate_overdue_high.template, self.triggers.no_answer_switch.template]
        if self.waitlist.enabled:
            used.append(self.waitlist.template)
        for name in [*used, "review", "confirm_booking"]:
            if name not in self.templates:
                raise ValueError(f"template {name} is not defined under templates")
        for name, text in self.templates.items():
            try:
                fields = {f for _, f, _, _ in Formatter().parse(text) if f is not None}
            except ValueError as exc:
                raise ValueError(f"template {name}: {exc}") from exc
            unknown = fields - TEMPLATE_FIELDS
            if unknown:
                raise ValueError(f"template {name} uses unknown placeholders {sorted(unknown)}")
        for channel in CHANNELS:
            if channel not in self.owner_roles:
                raise ValueError(f"owner_roles.{channel} is missing")
        return self

    def owner_for(self, channel: str) -> str:
        return self.owner_roles.get(channel, self.owner_roles.get("none", "intake_coordinator"))  # type: ignore[call-overload]


class Cap(_Strict):
    window: Duration
    max: int = Field(ge=0)


class QuietHours(_Strict):
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _start_before_end(self) -> QuietHours:
        if not self.start < self.end:
            raise ValueError("quiet_hours.start must be before quiet_hours.end")
        return self


class ComplianceConfig(_Strict):
    quiet_hours: QuietHours
    quiet_channels: list[Literal["call", "sms", "email", "none"]]
    consent_required: dict[Channel, bool]
    stop_keywords: list[str]
    start_keywords: list[str]
    email_suppress_events: list[str]
    caps: dict[Literal["call", "sms", "email", "overall"], list[Cap]]
    min_gap: Duration

    @model_validator(mode="after")
    def _keywords_disjoint(self) -> ComplianceConfig:
        both = {k.lower() for k in self.stop_keywords} & {k.lower() for k in self.start_keywords}
        if both:
            raise ValueError(f"keywords both stop and start: {sorted(both)}")
        return self


def _config_file(config_dir: Path, name: str) -> Path:
    """The practice's file, else the shipped default (generated practices copy only practice files)."""
    path = config_dir / name
    return path if path.exists() else REPO_ROOT / "config" / name


def load_sequences(config_dir: Path) -> SequencesConfig:
    """sequences.yaml, validated (ConfigError naming file, key and line)."""
    return load_validated_yaml(_config_file(config_dir, "sequences.yaml"), SequencesConfig)


def load_compliance(config_dir: Path) -> ComplianceConfig:
    """compliance.yaml, validated (ConfigError naming file, key and line)."""
    return load_validated_yaml(_config_file(config_dir, "compliance.yaml"), ComplianceConfig)
