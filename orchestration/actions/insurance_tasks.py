"""Insurance work per open lead: queue a 270 when unverified, a task when coverage needs a person,
and a plain-language benefit summary for the scripts.

The 270 itself is written by `orchestration/ingest/outbox_270.py`; here a lead without an answer is
marked `queue_270` (or `call_payer` once an inquiry went unanswered for too long).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestration.actions.timeline import Eligibility, LeadInput

# A 271 normally comes back within a day; after this, a person calls the payer.
INQUIRY_STALE_AFTER = timedelta(days=2)


# Not frozen, as NextAction: one per open lead needing insurance work (~87k at 1M), never changed once built.
@dataclass(slots=True)
class InsuranceTask:
    lead_id: str
    clinic_id: str
    task: (
        str  # queue_270 | call_payer | request_authorization | resolve_inactive_coverage | collect_insurance
    )
    owner_role: str  # system | insurance_verifier | billing_specialist | intake_coordinator
    due_at: datetime
    reason: str


def _money(value: float) -> str:
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def benefit_summary(elig: Eligibility | None) -> str:
    """One or two plain sentences staff can read out: deductible left, co-pay, visits allowed."""
    if elig is None:
        return "We are checking your insurance benefits and will confirm your costs before the first visit."
    if elig.active is False:
        return "Your insurance plan on file shows as inactive; we will help you sort out coverage."
    parts: list[str] = []
    if elig.copay is not None:
        parts.append(f"your co-pay is {_money(elig.copay)} per visit")
    elif elig.coinsurance is not None:
        parts.append(f"you pay {elig.coinsurance * 100:.0f}% of each visit")
    if elig.deductible_remaining is not None:
        if elig.deductible_remaining <= 0:
            parts.append("your deductible is met")
        else:
            parts.append(f"{_money(elig.deductible_remaining)} of your deductible is left")
    if elig.visit_limit is not None:
        left = max(elig.visit_limit - (elig.visits_used or 0), 0)
        parts.append(f"your plan covers {left} more therapy visits this year")
    text = "Good news: your insurance is active" if elig.active else "We found your insurance plan"
    if parts:
        text += "; " + ", ".join(parts)
    text += "."
    if elig.auth_required:
        text += " Your plan needs a prior authorization, which we request for you."
    if elig.in_network is False:
        text += " We are out of network for your plan; we will explain the costs."
    return text


def insurance_task(lead: LeadInput, as_of: datetime) -> InsuranceTask | None:
    """The insurance work this lead needs now, for the role that does it, or None."""
    elig = lead.eligibility
    if elig is None:
        if not lead.payer or lead.payer == "UNKNOWN":
            return InsuranceTask(
                lead.lead_id,
                lead.clinic_id,
                "collect_insurance",
                "intake_coordinator",
                as_of,
                "no insurance on file",
            )
        if lead.inquiry_sent_at is None:
            return InsuranceTask(
                lead.lead_id,
                lead.clinic_id,
                "queue_270",
                "system",
                as_of,
                "benefits not verified: 270 queued",
            )
        if as_of - lead.inquiry_sent_at >= INQUIRY_STALE_AFTER:
            return InsuranceTask(
                lead.lead_id,
                lead.clinic_id,
                "call_payer",
                "insurance_verifier",
                as_of,
                "270 sent but no 271 answer: verify by phone",
            )
        return None
    if elig.active is False:
        return InsuranceTask(
            lead.lead_id,
            lead.clinic_id,
            "resolve_inactive_coverage",
            "billing_specialist",
            as_of,
            "271 shows coverage inactive",
        )
    if elig.auth_required:
        return InsuranceTask(
            lead.lead_id,
            lead.clinic_id,
            "request_authorization",
            "billing_specialist",
            as_of,
            "plan requires prior authorization",
        )
    return None
