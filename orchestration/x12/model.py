"""Typed eligibility records shared by the 271 parser, the 271 writer (generator) and the 270 writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class EligibilityInquiry:
    """One 270 subscriber inquiry. trace_id goes in TRN02 (= lead id)."""

    trace_id: str
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    first_name: str
    last_name: str
    member_id: str | None
    dob: date | None
    service_date: date
    service_type: str = "PT"  # X12 service type code PT = physical therapy


@dataclass
class Rejection:
    """An AAA segment: request validation failure."""

    loop: str  # 2000A, 2100A, 2100B, 2100C, 2100D
    code: str  # AAA03 reject reason code, e.g. "72" invalid/missing member id
    reason: str  # human words for the code
    follow_up: str | None = None  # AAA04


@dataclass
class EligibilityResponse:
    """One subscriber (or dependent) answer in a 271, with PT benefits at plan level.

    Money is in dollars, co-insurance a fraction (0.2 = 20%). None means the 271 did not say.
    """

    record_id: str  # ISA13 + "-" + ST02 + "-" + subscriber loop index (1-based)
    trace_id: str | None  # TRN02 echoed from the 270 (lead id) when present
    payer_name: str | None
    payer_id: str | None
    provider_npi: str | None
    member_id: str | None
    first_name: str | None
    last_name: str | None
    dob: date | None
    is_dependent: bool = False
    active: bool | None = None
    plan_name: str | None = None
    group_number: str | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    copay: float | None = None
    coinsurance: float | None = None
    deductible: float | None = None
    deductible_remaining: float | None = None
    oop_max: float | None = None
    oop_remaining: float | None = None
    visit_limit: int | None = None
    visits_used: int | None = None
    auth_required: bool | None = None
    in_network: bool | None = None
    checked_at: date | None = None  # BHT04/DTP*472 date of the response
    rejections: list[Rejection] = field(default_factory=list)
