"""Synthetic people: households, repeat patients, hard negatives, and the messy ways records spell them."""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
from nicknames import NickNamer

from orchestration.generator import name_pools as pools
from orchestration.generator.geo import ZipInfo, zip_table
from orchestration.generator.practice import Clinic, Practice, random_phone

POOL_SIZE = 6000  # recent persons kept for repeats/households; bounds memory at any lead count
_SURNAME_CUM = np.cumsum([1.0 / (i + 8) for i in range(len(pools.SURNAMES))]).tolist()
_DOMAIN_CUM = np.cumsum([w for _, w in pools.EMAIL_DOMAINS]).tolist()


@dataclass(slots=True)
class Person:
    person_id: str
    household_id: str
    first: str
    last: str
    sex: str  # F | M
    dob: date
    phone: str  # ten digits
    line_type: str  # mobile | landline (texts to a landline fail with Twilio 30006)
    email: str | None
    address: str
    zip: ZipInfo
    nearest_clinic: str
    distance_km: float
    mrn: str | None = None
    fhir_patient_id: str | None = None
    fhir_coverage: dict[str, str] = field(default_factory=dict)
    payer_id: str | None = None
    member_id: str | None = None
    last_lead_ts: float = 0.0
    in_truth: bool = False  # written to truth/persons.csv (no global set: memory stays bounded)


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=4096)
def nicknames_of(first: str) -> tuple[str, ...]:
    """Sorted so that the choice is deterministic (the package returns sets)."""
    return tuple(sorted(n.title() for n in _namer().nicknames_of(first.lower()) if len(n) > 1))


def typo(s: str, rng: random.Random) -> str:
    """One keying error: swapped, dropped or doubled letter."""
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    kind = rng.random()
    if kind < 0.4:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if kind < 0.7:
        return s[:i] + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


PHONE_STYLES = ("({a}) {e}-{l}", "{a}.{e}.{l}", "+1{a}{e}{l}", "{a}{e}{l}", "{a}-{e}-{l}", "1-{a}-{e}-{l}")


def format_phone(
    digits: str, rng: random.Random, weights: tuple[float, ...] = (3, 1.5, 1, 2, 2.5, 0.3)
) -> str:
    style = rng.choices(PHONE_STYLES, weights)[0]
    return style.format(a=digits[:3], e=digits[3:6], l=digits[6:])


def present_first(first: str, rng: random.Random, p_nick: float, p_typo: float) -> str:
    r = rng.random()
    if r < p_nick:
        nicks = nicknames_of(first)
        if nicks:
            return rng.choice(nicks)
    elif r < p_nick + p_typo:
        return typo(first, rng)
    return first


def present_last(last: str, rng: random.Random, p_typo: float) -> str:
    return typo(last, rng) if rng.random() < p_typo else last


class PeopleFactory:
    """Draws the person behind each lead: new, repeat (months later), household member, look-alike."""

    def __init__(self, practice: Practice, rng: random.Random) -> None:
        self.rng = rng
        self.practice = practice
        self.pool: list[Person] = []
        self._next_person = 0
        self._next_household = 0
        self._emails: set[str] = set()
        table = zip_table()
        nearest_d = np.full(len(table.rows), np.inf)
        nearest_i = np.zeros(len(table.rows), dtype=np.int64)
        per_clinic_d = []
        for ci, c in enumerate(practice.clinics):
            d = table.distances_km(c.lat, c.lon)
            better = d < nearest_d
            nearest_d[better] = d[better]
            nearest_i[better] = ci
            per_clinic_d.append(d)
        self._zips: dict[str, tuple[list[int], list[float]]] = {}
        for ci, c in enumerate(practice.clinics):
            d = per_clinic_d[ci]
            idx = np.flatnonzero(d < 120)
            idx = idx[np.argsort(d[idx], kind="stable")]
            # Most patients live within ~15 km; a thin tail travels far (distance is a conversion feature).
            w = np.exp(-d[idx] / 9.0) + 0.004
            self._zips[c.id] = (idx.tolist(), np.cumsum(w).tolist())
        self._nearest_d = nearest_d
        self._nearest_i = nearest_i

    def _pid(self) -> str:
        self._next_person += 1
        return f"P{self._next_person:07d}"

    def _hid(self) -> str:
        self._next_household += 1
        return f"H{self._next_household:07d}"

    def _zip_near(self, clinic: Clinic) -> int:
        idx, cum = self._zips[clinic.id]
        return idx[min(len(idx) - 1, bisect.bisect_left(cum, self.rng.random() * cum[-1]))]

    def _email(self, first: str, last: str) -> str | None:
        rng = self.rng
        if rng.random() < 0.12:
            return None
        domain = pools.EMAIL_DOMAINS[bisect.bisect_left(_DOMAIN_CUM, rng.random() * _DOMAIN_CUM[-1])][0]
        f, sn = first.lower(), last.lower().replace(" ", "").replace("'", "")
        local = rng.choice(
            (
                f"{f}.{sn}",
                f"{f[0]}{sn}",
                f"{f}{sn}{rng.randint(1, 99)}",
                f"{sn}.{f}",
                f"{f}_{sn}{rng.randint(60, 99)}",
                f"{f}{rng.randint(100, 999)}",
            )
        )
        address = f"{local}@{domain}"
        # A mailbox is one account: a provider refuses an address already taken, and people add digits.
        # Without this, 1M leads gave one address to 300 different people (real data never does).
        # Deterministic suffixes, no extra draws: the random stream (and every other field) is unchanged.
        taken = 1
        while address in self._emails:
            taken += 1
            address = f"{local}{taken}@{domain}"
        self._emails.add(address)
        return address

    def _surname(self) -> str:
        return pools.SURNAMES[bisect.bisect_left(_SURNAME_CUM, self.rng.random() * _SURNAME_CUM[-1])]

    def _dob(self, at: date, lo: int, hi: int) -> date:
        rng = self.rng
        age = min(hi, max(lo, int(rng.gauss(54, 17))))
        return at - timedelta(days=int(age * 365.25) + rng.randint(0, 364))

    def new_person(self, clinic: Clinic, at: date) -> Person:
        rng = self.rng
        roll = rng.random()
        anchor = rng.choice(self.pool) if self.pool else None
        sex = "F" if rng.random() < 0.57 else "M"  # outpatient PT skews female
        first = rng.choice(pools.FEMALE_FIRST if sex == "F" else pools.MALE_FIRST)
        if anchor is not None and roll < 0.10:
            return self._household_member(anchor, sex, first, at)
        last = self._surname()
        zi = self._zip_near(clinic)
        if anchor is not None and roll < 0.15:
            # Hard negative: another family with the same surname in the same ZIP.
            last = anchor.last
            zi = zip_table().index[anchor.zip.zip]
        z = zip_table().rows[zi]
        area = z.area_codes or clinic.area_codes
        street = f"{rng.randint(100, 9899)} {rng.choice(pools.STREETS)}"
        unit = rng.choice(pools.UNIT)
        p = Person(
            person_id=self._pid(),
            household_id=self._hid(),
            first=first,
            last=last,
            sex=sex,
            dob=self._dob(at, 8, 96),
            phone=random_phone(rng, area),
            line_type="landline" if rng.random() < 0.12 else "mobile",
            email=self._email(first, last),
            address=f"{street} {unit}".strip(),
            zip=z,
            nearest_clinic=self.practice.clinics[int(self._nearest_i[zi])].id,
            distance_km=round(float(self._nearest_d[zi]), 2),
        )
        self._remember(p)
        return p

    def _household_member(self, anchor: Person, sex: str, first: str, at: date) -> Person:
        rng = self.rng
        shares_phone = rng.random() < 0.5
        p = Person(
            person_id=self._pid(),
            household_id=anchor.household_id,
            first=first,
            last=anchor.last if rng.random() < 0.8 else self._surname(),
            sex=sex,
            dob=self._dob(at, 6, 90),
            phone=anchor.phone if shares_phone else random_phone(rng, anchor.zip.area_codes or ("512",)),
            line_type=anchor.line_type if shares_phone else "mobile",
            email=anchor.email if rng.random() < 0.15 else self._email(first, anchor.last),
            address=anchor.address,
            zip=anchor.zip,
            nearest_clinic=anchor.nearest_clinic,
            distance_km=anchor.distance_km,
        )
        self._remember(p)
        return p

    def _remember(self, p: Person) -> None:
        if len(self.pool) < POOL_SIZE:
            self.pool.append(p)
        else:
            self.pool[self.rng.randrange(POOL_SIZE)] = p

    def repeat_candidate(self, now_ts: float, min_gap_days: float = 75) -> Person | None:
        """A past patient back for a new episode, months after the last one."""
        if not self.pool:
            return None
        for _ in range(4):
            p = self.rng.choice(self.pool)
            if p.last_lead_ts and now_ts - p.last_lead_ts > min_gap_days * 86400:
                return p
        return None


def age_at(dob: date, at: date) -> int:
    return at.year - dob.year - ((at.month, at.day) < (dob.month, dob.day))


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
