"""Shared engine fixtures: the shipped sequences/compliance config and a one-clinic context."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from orchestration.actions.engine import ClinicInfo, EngineContext
from orchestration.actions.sequences import load_compliance, load_sequences
from orchestration.actions.timeline import LeadInput
from tests.actions.push_servers import http_server, smtp_server  # noqa: F401  (local SMTP/HTTP servers)

CONFIG = Path(__file__).resolve().parents[2] / "config"
CLINICS = {
    "ATX-S": ClinicInfo("ATX-S", "South Austin", "+15124410100", "America/Chicago"),
    "NYC": ClinicInfo("NYC", "Midtown", "+12125550100", "America/New_York"),
}


@pytest.fixture(scope="session")
def ctx() -> EngineContext:
    return EngineContext(load_sequences(CONFIG), load_compliance(CONFIG), CLINICS)


def make_lead(**overrides: object) -> LeadInput:
    """A consenting standard lead received Monday 2025-03-10 15:00 UTC (10:00 Chicago)."""
    base: dict[str, object] = dict(
        lead_id="L1",
        clinic_id="ATX-S",
        status="new",
        priority_tier="standard",
        received_at=datetime(2025, 3, 10, 15, 0),
        timezone="America/Chicago",
        expected_value=1000.0,
        has_phone=True,
        has_email=True,
        sms_consent=True,
        email_consent=True,
        payer_tier="standard",
        diagnosis_group="orthopedic",
        first_name="Test",
    )
    base.update(overrides)
    return LeadInput(**base)  # type: ignore[arg-type]
