"""Draw realistic referral-fax truth for tests: hard names, valid NPIs and ICD-10-CM codes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from orchestration.fax_fields import FaxFields
from orchestration.npi import npi_check_digit

FIRST = (
    "John",
    "Mary",
    "Luis",
    "Aisha",
    "Wei",
    "Olivia",
    "James",
    "Priya",
    "Robert",
    "Sofia",
    "Michael",
    "Grace",
    "Daniel",
    "Fatima",
    "Ethan",
    "Hannah",
    "Carlos",
    "Chloe",
    "Tomas",
    "Ava",
)
LAST = (
    "Smith",
    "O'Neill",
    "Smith-Jones",
    "De La Cruz",
    "Nguyen",
    "Garcia",
    "Van Buren",
    "McDonald",
    "Johnson",
    "Okafor",
    "Patel",
    "D'Angelo",
    "Lee",
    "Hernandez-Lopez",
    "Brown",
    "St. Clair",
    "Kowalski",
    "Reyes",
    "Williams",
    "Del Rio",
)
DOCTOR_FIRST = ("Sarah", "David", "Maria", "Kevin", "Anita", "Paul", "Elena", "Mark")
DOCTOR_LAST = ("Chen", "Patel", "Morales", "O'Brien", "Whitfield", "Nakamura", "Ruiz-Gomez", "Abbott")
STREETS = ("Oak St", "Congress Ave", "Riverside Dr", "Lamar Blvd", "Burnet Rd", "Main St", "Elm Ct")
CITIES = (
    ("Austin", "78701"),
    ("Round Rock", "78664"),
    ("Cedar Park", "78613"),
    ("Georgetown", "78626"),
    ("Pflugerville", "78660"),
    ("Austin", "78745"),
)
DX = (
    (["M17.11"], "Primary osteoarthritis, right knee"),
    (["M75.101", "M25.511"], "Rotator cuff tear, right shoulder; shoulder pain"),
    (["M54.50"], "Low back pain"),
    (["S83.511A"], "ACL sprain, right knee"),
    (["M54.2", "M62.81"], "Cervicalgia; muscle weakness"),
    (["Z96.651", "M25.661"], "Presence of right artificial knee joint; stiffness of knee"),
    (["M76.60"], "Achilles tendinitis"),
    (["S42.201A"], "Fracture of upper end of humerus"),
    (["M79.604", "R26.89"], "Pain in right leg; gait abnormality"),
)
PAYERS = (
    "BCBS TX",
    "UnitedHealthcare",
    "Aetna PPO",
    "Cigna",
    "Medicare",
    "Humana Gold",
    "Texas Medicaid",
    "TRICARE",
    "Blue Cross Blue Shield",
    "United Healthcare",
)
# Member ids avoid letters a fax cannot tell from digits (O/0, I/1, S/5, B/8, Z/2).
ID_LETTERS = "ACDEFGHJKMNPRTUVWXY"


def make_npi(rng: random.Random) -> str:
    base = "1" + "".join(rng.choice("0123456789") for _ in range(8))
    return base + str(npi_check_digit(base))


def make_phone(rng: random.Random) -> str:
    return (
        rng.choice(("512", "737", "254", "830")) + str(rng.randint(200, 999)) + f"{rng.randint(0, 9999):04d}"
    )


def make_member_id(rng: random.Random) -> str:
    shape = rng.randrange(3)
    if shape == 0:
        return "".join(rng.choice(ID_LETTERS) for _ in range(3)) + str(rng.randint(10**8, 10**9 - 1))
    if shape == 1:
        return rng.choice(ID_LETTERS) + str(rng.randint(10**8, 10**9 - 1))
    return str(rng.randint(10**9, 10**10 - 1))


def make_fields(seed: int, record_id: str) -> FaxFields:
    rng = random.Random(seed)
    signed = date(2025, 1, 2) + timedelta(days=rng.randint(0, 300))
    dob = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 62))
    codes, text = rng.choice(DX)
    city, zip_code = rng.choice(CITIES)
    post_op = rng.random() < 0.4
    surgery = signed - timedelta(days=rng.randint(5, 60)) if post_op else None
    ref_fax = make_phone(rng)
    n = rng.randint(1, 3)
    return FaxFields(
        source_record_id=record_id,
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST),
        dob=dob.isoformat(),
        phone=make_phone(rng),
        address=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}, {city}, TX {zip_code}",
        zip=zip_code,
        diagnosis_codes=list(codes),
        diagnosis_text=text,
        referring_name=f"{rng.choice(DOCTOR_FIRST)} {rng.choice(DOCTOR_LAST)}",
        referring_npi=make_npi(rng),
        referring_phone=make_phone(rng),
        referring_fax=ref_fax,
        orders=f"{n}x/week x {rng.choice((4, 6, 8, 12))} weeks",
        post_op=post_op,
        surgery_date=surgery.isoformat() if surgery else None,
        payer=rng.choice(PAYERS),
        member_id=make_member_id(rng),
        from_fax=ref_fax,
        signed_date=signed.isoformat(),
    )
