"""Outreach attempts, when (and how) the evaluation gets booked, and the appointments that follow."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from orchestration.generator.clock import business_time, local, next_open
from orchestration.generator.episodes import DAY, Appt, EpisodeMaker, Lead
from orchestration.generator.people import logistic
from orchestration.generator.practice import Practice, Therapist

LADDER_DAYS = (1, 3, 6, 10, 15, 21, 28)
EXPECTED_VISITS = {
    "knee_post_op": 18,
    "knee": 10,
    "shoulder": 12,
    "spine_lumbar": 9,
    "spine_cervical": 8,
    "hip": 12,
    "ankle_foot": 8,
    "vestibular": 6,
    "neuro": 16,
    "pelvic": 8,
    "general": 8,
}


def can_text(lead: Lead) -> bool:
    """Staff text anyone who opted in; texts to a landline fail (Twilio 30006), which they learn only then."""
    return lead.sms_consent


def can_email(lead: Lead) -> bool:
    return lead.person.email is not None and lead.email_consent


def plan_attempts(lead: Lead, rng: random.Random) -> list[tuple[float, str]]:
    """Staff outreach: first contact, then a follow-up ladder until they give up (2-7 attempts)."""
    if lead.first_contact_ts is None:
        return []
    kind = lead.first_contact_kind
    if (kind == "sms_out" and not can_text(lead)) or (kind == "email" and not can_email(lead)):
        kind = "call_out"
    out = [(lead.first_contact_ts, kind)]
    n = rng.choices((2, 3, 4, 5, 6, 7), (0.1, 0.2, 0.25, 0.2, 0.15, 0.1))[0]
    day0 = local(lead.first_contact_ts, lead.clinic.timezone).date()
    for k in range(n - 1):
        t = business_time(day0 + timedelta(days=LADDER_DAYS[k]), lead.clinic, rng)
        if t <= out[-1][0]:
            continue
        options = (
            ["call_out", "call_out"]
            + (["sms_out"] if can_text(lead) else [])
            + (["email"] if can_email(lead) else [])
        )
        out.append((t, rng.choice(options)))
    return out


def schedule(lead: Lead, attempts: list[tuple[float, str]], rng: random.Random) -> list[tuple[float, str]]:
    """Sets scheduled_ts/booking_path; returns the attempts that happened (outreach stops once booked)."""
    window_end = lead.received_ts + 14 * DAY - 60
    if lead.converted:
        cands = [a for a in attempts if a[0] < window_end - 2 * 3600]
        if cands:
            k = min(len(cands) - 1, int(rng.expovariate(1.1)))
            t, kind = cands[k]
            if kind == "call_out":
                path = "phone_out" if rng.random() < 0.7 else "phone_in"
            else:
                path = "web" if rng.random() < 0.5 else "phone_in"
            if path == "phone_out":
                ts = t + rng.randint(240, 900)
            elif path == "web":
                ts = t + max(900.0, min(3 * DAY, rng.lognormvariate(math.log(2 * 3600), 1.2)))
            else:
                ts = next_open(t + rng.lognormvariate(math.log(3 * 3600), 1.0), lead.clinic)
        else:
            path = "phone_in"
            ts = next_open(lead.received_ts + rng.lognormvariate(math.log(30 * 3600), 0.9), lead.clinic)
        lead.scheduled_ts = max(lead.received_ts + 300, min(ts, window_end))
        lead.booking_path = path
    elif rng.random() < 0.12:  # books after the 14-day window: not a conversion by definition
        lead.scheduled_ts = next_open(lead.received_ts + rng.uniform(15, 45) * DAY, lead.clinic)
        lead.booking_path = "phone_in"
    if lead.scheduled_ts is None:
        return attempts
    return [a for a in attempts if a[0] < lead.scheduled_ts - 60]


def _therapist(practice: Practice, lead: Lead, rng: random.Random) -> Therapist:
    local_ts = [t for t in practice.therapists if t.clinic == lead.clinic.id] or practice.therapists
    fitting = [t for t in local_ts if lead.post_op and "post_surgical" in t.specialties]
    return rng.choice(fitting or local_ts)


def book_appointments(lead: Lead, maker: EpisodeMaker, rng: random.Random) -> None:
    """Evaluation (with no-shows, cancellations, rebooking), then treatment visits."""
    if lead.scheduled_ts is None:
        return
    therapist = _therapist(maker.practice, lead, rng)
    created = lead.scheduled_ts
    d = lead.person.distance_km
    for _attempt in range(3):
        lead_days = max(1, min(21, int(rng.lognormvariate(math.log(4), 0.6))))
        day = local(created, lead.clinic.timezone).date() + timedelta(days=lead_days)
        start = business_time(day, lead.clinic, rng, slot=30)
        maker._appt_no += 1
        appt = Appt(maker.uuid(), maker._appt_no, "eval", start, 60, created, "fulfilled", start, therapist)
        lead.appts.append(appt)
        p_noshow = logistic(
            -2.4
            + 0.025 * d
            + 0.07 * lead_days
            + (0.6 if lead.payer.tier == "low" else 0.0)
            - (0.4 if lead.post_op else 0.0)
        )
        r = rng.random()
        if r < 0.07:
            appt.status, appt.status_ts = "cancelled", start - rng.uniform(2, 48) * 3600
            if appt.status_ts < created:
                appt.status_ts = created + 600
            if rng.random() < 0.6:
                created = appt.status_ts + 60
                continue
            return
        if r < 0.07 + p_noshow:
            appt.status = "noshow"
            if rng.random() < 0.4:
                created = next_open(start + rng.uniform(1, 3) * DAY, lead.clinic)
                continue
            return
        break
    else:
        return
    _visits(lead, maker, rng, therapist)


def _visits(lead: Lead, maker: EpisodeMaker, rng: random.Random, therapist: Therapist) -> None:
    evaluation = lead.appts[-1]
    per_week, _weeks = lead.orders
    n = max(1, round(EXPECTED_VISITS.get(lead.group, 8) * rng.uniform(0.35, 1.15)))
    gap = 7.0 / per_week
    day0 = local(evaluation.start_ts, lead.clinic.timezone).date()
    created = evaluation.start_ts + 3600
    for k in range(n):
        day = day0 + timedelta(days=round(2 + k * gap))
        start = business_time(day, lead.clinic, rng, slot=15)
        maker._appt_no += 1
        appt = Appt(maker.uuid(), maker._appt_no, "visit", start, 45, created, "fulfilled", start, therapist)
        r = rng.random()
        if r < 0.07:
            appt.status, appt.status_ts = "cancelled", max(created + 600, start - rng.uniform(2, 30) * 3600)
        elif r < 0.12:
            appt.status = "noshow"
        lead.appts.append(appt)
        if appt.status == "noshow" and rng.random() < 0.15:  # drops out of care
            break


def status_as_of(appt: Appt, horizon: float) -> str | None:
    """Appointment status an export at `horizon` shows; None if it was not booked yet."""
    if appt.created_ts > horizon:
        return None
    if appt.status == "cancelled":
        return "cancelled" if appt.status_ts <= horizon else "booked"
    if appt.start_ts > horizon:
        return "booked"
    return appt.status
