"""The synthetic practice: clinics (base config, plus real-ZIP clinics when asked for more), therapists,
referring physicians with valid NPIs and a latent quality, payers and diagnosis groups."""

from __future__ import annotations

import bisect
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from orchestration.generator import name_pools as pools
from orchestration.generator.clinical import REFERRER_SPECIALTIES
from orchestration.generator.geo import ZipInfo, zip_table
from orchestration.npi import npi_check_digit

DEFAULT_HOURS = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu")} | {"fri": "08:00-16:00"}
# Which extra feed a clinic's EMR has besides the FHIR bulk export (HL7 v2 interface or CSV reports).
EMR_FEEDS = ("hl7v2", "emr_csv", "fhir")


@dataclass
class Clinic:
    id: str
    name: str
    address: str
    zip: str
    timezone: str
    phone: str  # E.164
    fax: str
    hours: dict[str, str]
    lat: float
    lon: float
    area_codes: tuple[str, ...]
    emr_feed: str
    speed: float  # latent staff responsiveness: multiplies hours to first contact
    open_by_weekday: dict[int, tuple[int, int]] = field(default_factory=dict)  # minutes from midnight
    fhir_location_id: str = ""


@dataclass
class Therapist:
    id: str
    name: str
    clinic: str
    specialties: list[str]
    npi: str
    fhir_id: str = ""


@dataclass
class Referrer:
    npi: str
    first: str
    last: str
    credential: str
    specialty: str
    practice: str
    phone: str  # ten digits
    fax: str
    address: str
    zip: str
    clinic_id: str  # the clinic it mostly refers to
    quality: float  # latent: patients from this referrer convert better or worse
    prefers: str  # fhir | fax | hl7v2 | emr_csv
    tilt: dict[str, float]
    volume: float = 1.0  # relative referral volume (heavy-tailed)
    fhir_id: str = ""

    @property
    def display(self) -> str:
        return f"{self.first} {self.last}, {self.credential}"


@dataclass
class Payer:
    id: str
    name: str
    payer_id: str | None
    tier: str
    auth_required: bool
    aliases: list[str]


@dataclass
class Practice:
    raw: dict[str, Any]
    clinics: list[Clinic]
    therapists: list[Therapist]
    referrers: list[Referrer]
    payers: list[Payer]
    groups: list[tuple[str, str]]  # (prefix, group id) sorted longest first
    referrer_cum: dict[str, list[float]]  # clinic id -> cumulative weights over referrers_by_clinic
    referrers_by_clinic: dict[str, list[Referrer]]

    def group_of(self, code: str) -> str:
        for prefix, gid in self.groups:
            if code.startswith(prefix):
                return gid
        return "general"

    @property
    def home_tz(self) -> str:
        return self.clinics[0].timezone


def random_phone(rng: random.Random, area_codes: tuple[str, ...]) -> str:
    """Ten digits: a real area code of the region, a valid exchange (NXX, not 555/N11)."""
    area = rng.choice(area_codes) if area_codes else "512"
    while True:
        exch = rng.randint(200, 999)
        if exch != 555 and exch % 100 != 11:
            break
    return f"{area}{exch}{rng.randint(0, 9999):04d}"


def make_npi(rng: random.Random) -> str:
    base = "1" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return base + str(npi_check_digit(base))


def _parse_hours(hours: dict[str, str]) -> dict[int, tuple[int, int]]:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    out: dict[int, tuple[int, int]] = {}
    for i, d in enumerate(days):
        if d in hours:
            a, b = hours[d].split("-")
            out[i] = (int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:]))
    return out


def _street(rng: random.Random) -> str:
    return f"{rng.randint(100, 9899)} {rng.choice(pools.STREETS)}"


def _synth_clinics(rng: random.Random, base: list[dict], n_new: int) -> list[dict]:
    """Extra clinics at real ZIPs of cities with many ZIPs (metro areas), one per ZIP."""
    table = zip_table()
    per_city: dict[tuple[str, str], int] = {}
    for r in table.rows:
        per_city[(r.city, r.state)] = per_city.get((r.city, r.state), 0) + 1
    candidates = [r for r in table.rows if per_city[(r.city, r.state)] >= 8 and r.area_codes]
    used = {c["zip"] for c in base}
    out: list[dict] = []
    while len(out) < n_new:
        z = rng.choice(candidates)
        if z.zip in used:
            continue
        used.add(z.zip)
        n = len(base) + len(out) + 1
        suffix = rng.choice(pools.CLINIC_SUFFIXES)
        phone = random_phone(rng, z.area_codes)
        out.append(
            {
                "id": f"C{n:03d}",
                "name": f"{z.city.title()} {suffix}".strip(),
                "address": _street(rng),
                "zip": z.zip,
                "timezone": z.timezone,
                "phone": f"+1{phone}",
                "fax": f"+1{phone[:-1]}{(int(phone[-1]) + 1) % 10}",
                "hours": dict(DEFAULT_HOURS),
            }
        )
    return out


def _synth_therapists(rng: random.Random, clinic_ids: list[str], start: int) -> list[dict]:
    out = []
    n = start
    for cid in clinic_ids:
        for _ in range(rng.randint(2, 4)):
            n += 1
            first = rng.choice(pools.FEMALE_FIRST + pools.MALE_FIRST)
            specs = sorted(rng.sample(pools.THERAPIST_SPECIALTIES, rng.randint(1, 3)))
            out.append(
                {
                    "id": f"T{n:03d}",
                    "name": f"{first} {rng.choice(pools.SURNAMES)}",
                    "clinic": cid,
                    "specialties": specs,
                }
            )
    return out


def build_practice(base_config: Path, n_clinics: int, n_leads: int, rng: random.Random) -> Practice:
    raw = yaml.safe_load((base_config / "practice.yaml").read_text())
    base_clinics = list(raw["clinics"])
    if n_clinics <= len(base_clinics):
        clinic_dicts = base_clinics[: max(1, n_clinics)]
    else:
        clinic_dicts = base_clinics + _synth_clinics(rng, base_clinics, n_clinics - len(base_clinics))
    ids = [c["id"] for c in clinic_dicts]
    therapist_dicts = [t for t in raw.get("therapists", []) if t["clinic"] in ids]
    have = {t["clinic"] for t in therapist_dicts}
    therapist_dicts += _synth_therapists(
        rng, [i for i in ids if i not in have], len(raw.get("therapists", []))
    )
    raw = {**raw, "clinics": clinic_dicts, "therapists": therapist_dicts}

    table = zip_table()
    clinics: list[Clinic] = []
    for i, c in enumerate(clinic_dicts):
        z: ZipInfo | None = table.get(str(c["zip"]))
        if z is None:
            raise ValueError(f"practice.yaml: clinic {c['id']} has a ZIP not in the ZIP table")
        clinics.append(
            Clinic(
                id=c["id"],
                name=c["name"],
                address=c.get("address", ""),
                zip=str(c["zip"]),
                timezone=c["timezone"],
                phone=c.get("phone", ""),
                fax=c.get("fax", ""),
                hours=c.get("hours") or dict(DEFAULT_HOURS),
                lat=z.lat,
                lon=z.lon,
                area_codes=z.area_codes or ("512",),
                emr_feed=EMR_FEEDS[i % 3],
                speed=float(np.exp(rng.gauss(0.0, 0.45))),
            )
        )
        clinics[-1].open_by_weekday = _parse_hours(clinics[-1].hours)
    therapists = [
        Therapist(t["id"], t["name"], t["clinic"], list(t.get("specialties", [])), make_npi(rng))
        for t in therapist_dicts
    ]
    referrers = _make_referrers(rng, clinics, n_leads)
    payers = _load_payers(base_config)
    groups = _load_groups(base_config)
    by_clinic: dict[str, list[Referrer]] = {c.id: [] for c in clinics}
    for r in referrers:
        by_clinic[r.clinic_id].append(r)
    cum: dict[str, list[float]] = {}
    for cid, refs in by_clinic.items():
        if not refs:  # a clinic without local referrers draws from everyone
            by_clinic[cid] = refs = referrers
        weights = [r_weight for r_weight in _volumes(refs)]
        acc, total = [], 0.0
        for w in weights:
            total += w
            acc.append(total)
        cum[cid] = acc
    return Practice(raw, clinics, therapists, referrers, payers, groups, cum, by_clinic)


def _volumes(refs: list[Referrer]) -> list[float]:
    return [r.volume for r in refs]


def pick_referrer(practice: Practice, clinic_id: str, rng: random.Random) -> Referrer:
    refs = practice.referrers_by_clinic[clinic_id]
    cum = practice.referrer_cum[clinic_id]
    if rng.random() < 0.15:  # referrals from across town
        return rng.choice(practice.referrers)
    return refs[min(len(refs) - 1, bisect.bisect_left(cum, rng.random() * cum[-1]))]


def _make_referrers(rng: random.Random, clinics: list[Clinic], n_leads: int) -> list[Referrer]:
    n = max(40, min(200, 30 + n_leads // 250 + 8 * len(clinics)))
    table = zip_table()
    specs = [s[0] for s in REFERRER_SPECIALTIES]
    weights = [s[1] for s in REFERRER_SPECIALTIES]
    out: list[Referrer] = []
    seen: set[str] = set()
    while len(out) < n:
        npi = make_npi(rng)
        if npi in seen:
            continue
        seen.add(npi)
        k = rng.choices(range(len(specs)), weights)[0]
        spec, _, creds, tilt = REFERRER_SPECIALTIES[k]
        clinic = clinics[len(out) % len(clinics)]
        d = table.distances_km(clinic.lat, clinic.lon)
        near = np.flatnonzero(d < 25)
        z = table.rows[int(near[rng.randrange(len(near))])] if len(near) else table.get(clinic.zip)
        assert z is not None
        first = rng.choice(pools.FEMALE_FIRST + pools.MALE_FIRST)
        last = rng.choice(pools.SURNAMES)
        practice_name = f"{rng.choice(pools.PRACTICE_PLACES)} {rng.choice(pools.PRACTICE_WORDS)}"
        phone = random_phone(rng, z.area_codes or clinic.area_codes)
        feed_pref = rng.choices(["fax", "fhir", clinic.emr_feed], [0.5, 0.35, 0.15])[0]
        out.append(
            Referrer(
                npi=npi,
                first=first,
                last=last,
                credential=rng.choice(creds),
                specialty=spec,
                practice=practice_name,
                phone=phone,
                fax=phone[:-2] + f"{rng.randint(0, 99):02d}",
                address=_street(rng),
                zip=z.zip,
                clinic_id=clinic.id,
                quality=rng.gauss(0.0, 0.5),
                prefers=feed_pref,
                tilt=dict(tilt),
                volume=rng.lognormvariate(0.0, 1.0),  # a few physicians send most of the referrals
            )
        )
    return out


def _load_payers(base_config: Path) -> list[Payer]:
    data = yaml.safe_load((base_config / "payers.yaml").read_text())
    return [
        Payer(
            p["id"],
            p["name"],
            p.get("payer_id"),
            p.get("tier", "standard"),
            bool(p.get("auth_required")),
            list(p.get("aliases") or []),
        )
        for p in data["payers"]
    ]


def _load_groups(base_config: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load((base_config / "diagnosis_groups.yaml").read_text())
    pairs = [(str(prefix), g["id"]) for g in data["groups"] for prefix in g["prefixes"]]
    return sorted(pairs, key=lambda p: -len(p[0]))


def write_config(
    practice: Practice, base_config: Path, out_config: Path, extra_profiles: dict[str, str]
) -> None:
    """The effective practice config beside the inbox: base payers/groups/profiles, the clinics used."""
    out_config.mkdir(parents=True, exist_ok=True)
    for name in ("payers.yaml", "diagnosis_groups.yaml"):
        shutil.copyfile(base_config / name, out_config / name)
    prof = out_config / "profiles"
    prof.mkdir(exist_ok=True)
    if (base_config / "profiles").is_dir():
        for p in sorted((base_config / "profiles").glob("*.yaml")):
            shutil.copyfile(p, prof / p.name)
    for name, text in extra_profiles.items():
        (prof / name).write_text(text)
    head = "# Effective practice written by `ptleads generate` (base config + synthesized clinics).\n"
    (out_config / "practice.yaml").write_text(head + yaml.safe_dump(practice.raw, sort_keys=False, width=120))
