"""One lead episode: who, why, through which channels, how fast staff reached out, the true conversion
probability, the outcome and the appointments. Outreach touches are added by touches.py."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from orchestration.generator.clinical import CATALOG, POST_OP, SCENARIO_WEIGHTS, Dx
from orchestration.generator.clock import at_local, local, next_open
from orchestration.generator.people import PeopleFactory, Person, age_at, logistic
from orchestration.generator.practice import Clinic, Payer, Practice, Referrer, Therapist, pick_referrer

REFERRAL_CHANNELS = ("fhir", "fax", "hl7v2", "emr_csv")
DAY = 86400.0

TIER_EFFECT = {"high": 0.35, "standard": 0.0, "low": -0.55}
GROUP_EFFECT = {
    "knee_post_op": 0.45,
    "hip": 0.2,
    "shoulder": 0.1,
    "knee": 0.0,
    "spine_lumbar": -0.2,
    "spine_cervical": -0.1,
    "ankle_foot": 0.0,
    "vestibular": 0.15,
    "neuro": 0.2,
    "pelvic": 0.3,
    "general": -0.35,
}
CHANNEL_EFFECT = {"fhir": 0.2, "hl7v2": 0.2, "emr_csv": 0.15, "fax": 0.0, "webforms": 0.25, "calls": 0.3}
BASE_LOGIT = 0.05  # calibrated so the mean p_convert is about 0.5 over the default mix


@dataclass(slots=True)
class Appt:
    appt_id: str  # FHIR Appointment id (uuid)
    number: int  # EMR appointment number (SIU placer id, CSV id)
    kind: str  # eval | visit
    start_ts: float
    duration_min: int
    created_ts: float
    status: str  # final: fulfilled | cancelled | noshow | booked
    status_ts: float  # when the status was set (cancel time, or start)
    therapist: Therapist


@dataclass(slots=True)
class Touch:
    ts: float
    kind: str  # call_out | call_in | voicemail | sms_out | sms_in | sms_auto | email | web
    result: str = ""  # call result, Twilio status, or web event name
    duration_s: int = 0
    text: str = ""
    token: str = ""
    error_code: str = ""
    events: list[tuple[float, str]] = field(default_factory=list)  # SendGrid events of one email
    url: str = ""
    category: str = ""


@dataclass(slots=True)
class Lead:
    index: int
    lead_id: str
    person: Person
    clinic: Clinic
    referrer: Referrer | None
    payer: Payer
    member_id: str | None
    dx: list[Dx]
    codes: list[str]
    group: str
    post_op: bool
    surgery: str | None
    surgery_date: date | None
    orders: tuple[int, int]  # times per week, weeks
    urgent: bool
    arrivals: list[tuple[str, float]]  # (channel, ts), first is the primary
    received_ts: float
    first_contact_ts: float | None
    first_contact_kind: str
    coverage_active: bool
    verify_ts: float | None
    p_convert: float
    converted: bool
    scheduled_ts: float | None
    booking_path: str  # phone_out | phone_in | web | ""
    appts: list[Appt]
    sms_consent: bool
    email_consent: bool
    preferred_contact: str
    touches: list[Touch] = field(default_factory=list)

    @property
    def channels(self) -> list[str]:
        return [c for c, _ in self.arrivals]

    @property
    def evaluated_ts(self) -> float | None:
        return next((a.start_ts for a in self.appts if a.kind == "eval" and a.status == "fulfilled"), None)

    @property
    def no_show(self) -> bool:
        return any(a.kind == "eval" and a.status == "noshow" for a in self.appts)


class EpisodeMaker:
    def __init__(
        self,
        practice: Practice,
        people: PeopleFactory,
        rng: random.Random,
        start_ts: float,
        end_ts: float,
        n_leads: int,
        max_faxes: int,
    ) -> None:
        self.practice, self.people, self.rng = practice, people, rng
        self.start_ts, self.end_ts, self.n = start_ts, end_ts, n_leads
        self.max_faxes = max_faxes  # rendering budget
        self.faxes_used = 0
        self._i = 0
        self._appt_no = 100000
        self.payer_by_id = {p.id: p for p in practice.payers}
        self.clinic_by_id = {c.id: c for c in practice.clinics}

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"

    # ---- who and why -------------------------------------------------------------------------------
    def _pick_payer(self, age: int) -> Payer:
        ids = self.payer_by_id
        if age >= 65:
            mix = {
                "MEDICARE": 0.55,
                "HUMANA_MA": 0.28,
                "BCBSTX": 0.06,
                "UHC": 0.05,
                "TRICARE": 0.03,
                "SELF_PAY": 0.03,
            }
        elif age < 19:
            mix = {
                "TX_MEDICAID": 0.35,
                "BCBSTX": 0.25,
                "UHC": 0.15,
                "AETNA": 0.1,
                "CIGNA": 0.08,
                "SELF_PAY": 0.07,
            }
        else:
            mix = {
                "BCBSTX": 0.26,
                "UHC": 0.19,
                "AETNA": 0.13,
                "CIGNA": 0.11,
                "TX_MEDICAID": 0.09,
                "TRICARE": 0.04,
                "WORKCOMP": 0.06,
                "SELF_PAY": 0.08,
                "MEDICARE": 0.04,
            }
        mix = {k: v for k, v in mix.items() if k in ids}
        if not mix:
            return self.rng.choice(self.practice.payers)
        return ids[self.rng.choices(list(mix), list(mix.values()))[0]]

    def _member_id(self, payer: Payer) -> str | None:
        rng = self.rng
        if payer.payer_id is None:
            return None
        if payer.id == "MEDICARE":  # MBI: 11 characters, no S L O I B Z
            al = "ACDEFGHJKMNPQRTUVWXY"
            return (
                f"{rng.randint(1, 9)}{rng.choice(al)}{rng.choice(al + '0123456789')}{rng.randint(0, 9)}"
                f"{rng.choice(al)}{rng.choice(al + '0123456789')}{rng.randint(0, 9)}{rng.choice(al)}"
                f"{rng.choice(al)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
            )
        prefix = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return f"{prefix}{rng.randint(10**8, 10**9 - 1)}"

    def _diagnosis(self, referrer: Referrer | None) -> tuple[str, list[Dx], bool, str | None]:
        rng = self.rng
        weights = dict(SCENARIO_WEIGHTS)
        if referrer:
            for k, m in referrer.tilt.items():
                weights[k] = weights.get(k, 0) * m
        scenario = rng.choices(list(weights), list(weights.values()))[0]
        dx = [rng.choice(CATALOG[scenario])]
        post_op, surgery = False, None
        share, surgeries, extra = POST_OP.get(scenario, (0.0, (), None))
        if rng.random() < share:
            post_op, surgery = True, rng.choice(surgeries)
            if extra:
                dx.append(Dx(extra, "", dx[0].body, dx[0].lay))
        elif scenario == "hip" and dx[0].code.startswith("Z96"):
            dx = [CATALOG["hip"][0]]
        if rng.random() < 0.15:  # a secondary, related code
            extra_dx = rng.choice(CATALOG[scenario])
            if extra_dx.code not in {d.code for d in dx}:
                dx.append(extra_dx)
        return scenario, dx, post_op, surgery

    # ---- arrival -----------------------------------------------------------------------------------
    def _arrival_time(self, day: date, channel: str, clinic: Clinic) -> float:
        rng = self.rng
        if channel in REFERRAL_CHANNELS:  # doctors' offices send during their business day
            if day.weekday() >= 5:
                day -= timedelta(days=day.weekday() - 4)
            return at_local(day, rng.randrange(7 * 60 + 30, 17 * 60 + 30), clinic.timezone)
        if channel == "webforms":  # evenings and weekends too
            minute = int(rng.triangular(6 * 60, 23 * 60 + 59, 20 * 60))
            return at_local(day, minute, clinic.timezone)
        # voicemail: after hours, weekends, or lunch
        minute = rng.choice(
            (
                rng.randrange(17 * 60 + 30, 21 * 60),
                rng.randrange(12 * 60, 13 * 60),
                rng.randrange(6 * 60 + 30, 8 * 60),
            )
        )
        return at_local(day, minute, clinic.timezone)

    def _channels(self, referrer: Referrer | None, clinic: Clinic) -> list[str]:
        rng = self.rng
        if referrer is None:
            primary = "webforms" if rng.random() < 0.6 else "calls"
            extra = ["calls" if primary == "webforms" else "webforms"] if rng.random() < 0.3 else []
            return [primary, *extra]
        primary = referrer.prefers if referrer.prefers in ("fax", "fhir") else clinic.emr_feed
        primary = self._fax_or(primary)
        n_extra = rng.choices((0, 1, 2), (0.55, 0.33, 0.12))[0]
        pool = ["calls", "webforms", "fax", "fhir"]
        extra: list[str] = []
        for _ in range(20):
            if len(extra) >= n_extra:
                break
            c = rng.choice(pool)
            if c != primary and c not in extra and (c := self._fax_or(c)) != primary and c not in extra:
                extra.append(c)
        return [primary, *extra]

    def _fax_or(self, channel: str) -> str:
        """Faxes are capped (rendering is slow): the budget is spread evenly over the period, and a fax
        referral over budget arrives as an e-referral instead."""
        if channel != "fax":
            return channel
        allowed = self.max_faxes * (self._i + 1) / self.n
        if self.faxes_used < min(self.max_faxes, allowed + 1):
            self.faxes_used += 1
            return "fax"
        return "fhir"

    # ---- the episode -------------------------------------------------------------------------------
    def make(self, i: int) -> Lead:
        rng = self.rng
        self._i = i
        span = self.end_ts - self.start_ts
        slot_ts = self.start_ts + span * (i + rng.random()) / self.n
        day = local(slot_ts, self.practice.home_tz).date()
        person = self.people.repeat_candidate(slot_ts) if rng.random() < 0.08 else None
        if person is None:
            home = rng.choice(self.practice.clinics)
            person = self.people.new_person(home, day)
        clinic = (
            self.clinic_by_id[person.nearest_clinic]
            if rng.random() < 0.85
            else rng.choice(self.practice.clinics)
        )
        referrer = pick_referrer(self.practice, clinic.id, rng) if rng.random() < 0.76 else None
        age = age_at(person.dob, day)
        if person.payer_id and rng.random() < 0.8 and person.payer_id in self.payer_by_id:
            payer = self.payer_by_id[person.payer_id]
            member_id = person.member_id
        else:
            payer = self._pick_payer(age)
            member_id = self._member_id(payer)
            person.payer_id, person.member_id = payer.id, member_id
        _scenario, dx, post_op, surgery = self._diagnosis(referrer)
        codes = [d.code for d in dx]
        group = self.practice.group_of(codes[0])
        channels = self._channels(referrer, clinic)
        arrivals: list[tuple[str, float]] = []
        t0 = min(self._arrival_time(day, channels[0], clinic), self.end_ts - rng.randrange(60, 7200))
        arrivals.append((channels[0], t0))
        for c in channels[1:]:
            lag_h = min(240.0, rng.lognormvariate(math.log(18), 1.1))
            d2 = local(t0 + lag_h * 3600, clinic.timezone).date()
            arrivals.append((c, max(t0 + 60, self._arrival_time(d2, c, clinic))))
        arrivals.sort(key=lambda a: a[1])
        arrivals = [a for a in arrivals if a[1] <= self.end_ts] or arrivals[:1]  # later ones not yet arrived
        received = arrivals[0][1]
        person.last_lead_ts = received

        first_contact, kind = self._first_contact(received, arrivals[0][0], clinic)
        coverage_active = payer.payer_id is None or rng.random() < 0.94
        verify_ts = None
        if payer.payer_id is not None and rng.random() < 0.8:
            verify_ts = next_open(received + rng.uniform(0.5, 30) * 3600, clinic)
        p = self._p_convert(
            person, payer, group, post_op, arrivals, referrer, received, first_contact, coverage_active, age
        )
        converted = rng.random() < p
        lead = Lead(
            index=i,
            lead_id=f"L{i + 1:07d}",
            person=person,
            clinic=clinic,
            referrer=referrer,
            payer=payer,
            member_id=member_id,
            dx=dx,
            codes=codes,
            group=group,
            post_op=post_op,
            surgery=surgery,
            surgery_date=(day - timedelta(days=rng.randint(2, 30))) if post_op else None,
            orders=(rng.choices((1, 2, 3), (0.15, 0.65, 0.2))[0], rng.choice((4, 6, 6, 8, 8, 12))),
            urgent=post_op and rng.random() < 0.3,
            arrivals=arrivals,
            received_ts=received,
            first_contact_ts=first_contact,
            first_contact_kind=kind,
            coverage_active=coverage_active,
            verify_ts=verify_ts,
            p_convert=p,
            converted=converted,
            scheduled_ts=None,
            booking_path="",
            appts=[],
            sms_consent=rng.random()
            < (0.85 if person.line_type == "mobile" else 0.6),  # forms ask, phones vary
            email_consent=person.email is not None and rng.random() < 0.9,
            preferred_contact=rng.choices(("phone", "text", "email"), (0.55, 0.3, 0.15))[0],
        )
        return lead

    def _first_contact(self, received: float, channel: str, clinic: Clinic) -> tuple[float | None, str]:
        rng = self.rng
        if rng.random() < (0.12 if channel == "calls" else 0.07):
            return None, ""
        start = next_open(received, clinic)
        median_min = 50.0 * clinic.speed * (0.6 if channel == "webforms" else 1.0)
        delay = min(9 * DAY, rng.lognormvariate(math.log(median_min * 60), 1.5))
        if start > received:  # after hours: first thing next morning, staff work the overnight queue
            delay *= 0.5
        ts = next_open(start + max(120.0, delay), clinic)
        kind = rng.choices(("call_out", "sms_out", "email"), (0.6, 0.27, 0.13))[0]
        return ts, kind

    def _p_convert(
        self,
        person: Person,
        payer: Payer,
        group: str,
        post_op: bool,
        arrivals: list[tuple[str, float]],
        referrer: Referrer | None,
        received: float,
        first_contact: float | None,
        coverage_active: bool,
        age: int,
    ) -> float:
        x = BASE_LOGIT + TIER_EFFECT.get(payer.tier, 0.0) + GROUP_EFFECT.get(group, 0.0)
        x += 0.45 if post_op else 0.0
        d = person.distance_km
        x += -1.3 * (1 - math.exp(-d / 12.0))  # saturating: the first 20 km matter most
        x += -0.45 if d > 40 else 0.0  # threshold: past a long drive, people go elsewhere
        x += CHANNEL_EFFECT.get(arrivals[0][0], 0.0)
        x += 0.3 if len(arrivals) > 1 else 0.0  # reaching out twice signals intent
        x += referrer.quality if referrer else 0.0
        if first_contact is None:
            x -= 1.3
        else:
            h = (first_contact - received) / 3600.0
            x += 0.75 - 0.38 * math.log1p(h)
            if post_op and h < 4:  # post-op patients reached the same day book before the surgeon's slot
                x += 0.5
        x += -0.35 if payer.tier == "low" and d > 20 else 0.0
        x += -0.9 if not coverage_active else 0.0
        x += -0.25 if age >= 80 else 0.0
        return min(0.985, max(0.015, logistic(x)))
