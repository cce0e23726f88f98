"""Three DEVELOPMENT layouts for the fax name picker, with label wordings and phrasings no production
layout uses: split last/first boxes, a prose letter, a table whose name column states its format.

Develop on these (and on fresh seeds); the test-only layouts (extra_layouts.py) stay unseen until a
blind measurement. `dev_fields` draws names from a wider pool than field_maker, rarer names included.
"""

from __future__ import annotations

import random
from dataclasses import replace

from field_maker import make_fields
from PIL import Image

from orchestration.fax_fields import FaxFields
from orchestration.generator.fax_render import PAGE_W, Canvas, FaxStyle

DEV_FIRST = (
    "Xiomara",
    "Bartholomew",
    "Nkechi",
    "Siobhan",
    "Dmitri",
    "Guadalupe",
    "Yuki",
    "Marguerite",
    "Rosalind",
    "Beatriz",
    "Kenji",
    "Ingrid",
    "Rafael",
    "Precious",
    "Terrence",
    "Lucinda",
)
DEV_LAST = (
    "Okonkwo",
    "Fitzgerald",
    "Nakashima",
    "Villarreal",
    "Abernathy",
    "Lindqvist",
    "Dubois",
    "MacPherson",
    "Castellanos",
    "Whitaker",
    "Bergstrom",
    "Ochoa",
    "St. Pierre",
    "Van Horn",
    "Delgado-Ruiz",
    "Ng",
)


def dev_fields(seed: int, record_id: str) -> FaxFields:
    """field_maker's truth with the patient's name drawn from the wider development pool."""
    rng = random.Random(seed * 7 + 1)
    return replace(
        make_fields(seed, record_id), first_name=rng.choice(DEV_FIRST), last_name=rng.choice(DEV_LAST)
    )


def _box(c: Canvas, x0: int, x1: int, top: int, label: str, value: str) -> int:
    """A box with its label in small capitals at the top left and the value under it."""
    c.text(x0 + 8, top + 4, label, scale=0.65)
    c.text(x0 + 14, top + 8 + c.line_height(0.65), value)
    bottom = top + 14 + c.line_height(0.65) + c.line_height()
    c.rect((x0, top, x1, bottom), width=2)
    return bottom


def _row(c: Canvas, cells: list[tuple[str, str, float]]) -> None:
    """Boxes side by side over the page width; each cell's share of the width is its third item."""
    x, top, bottoms = c.margin, c.y, []
    width = PAGE_W - 2 * c.margin
    for label, value, share in cells:
        x1 = x + int(width * share)
        bottoms.append(_box(c, x, x1, top, label, value))
        x = x1
    c.y = max(bottoms)


def _orders(fields: FaxFields) -> tuple[str, str]:
    n, m = (
        fields.orders.replace("x/week x", " ").replace("weeks", " ").split() if fields.orders else ("1", "4")
    )
    return n, m


def layout_split_name_boxes(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    """An intake sheet: surname and given name in boxes of their own, the patient again in the footer."""
    c = Canvas(style, margin=90)
    c.write("REHABILITATION SERVICES - NEW CLIENT INTAKE", bold=True, scale=1.1)
    c.y += 15
    middle = style.rng.choice("ABCDJKMRT")
    _row(
        c,
        [
            ("SURNAME", fields.last_name or "", 0.45),
            ("GIVEN NAME", fields.first_name or "", 0.4),
            ("M.I.", middle, 0.15),
        ],
    )
    _row(
        c,
        [
            ("BIRTH DATE", style.date(fields.dob), 0.34),
            ("SEX", style.rng.choice("MF"), 0.16),
            ("PRIMARY PHONE", style.phone(fields.phone), 0.5),
        ],
    )
    _row(
        c,
        [
            ("INSURANCE CARRIER", fields.payer or "", 0.5),
            ("MEMBER ID", fields.member_id or "", 0.3),
            ("ZIP CODE", fields.zip or "", 0.2),
        ],
    )
    _row(
        c,
        [
            ("REFERRING CLINICIAN", style.doctor(fields.referring_name), 0.5),
            ("NPI", fields.referring_npi or "", 0.25),
            ("FAX", style.phone(fields.referring_fax), 0.25),
        ],
    )
    codes = ", ".join(fields.diagnosis_codes)
    _row(c, [("DIAGNOSIS (ICD-10)", f"{codes} {fields.diagnosis_text or ''}", 1.0)])
    n, m = _orders(fields)
    _row(c, [("ORDERS", f"Evaluate and treat {n}x/week x {m} weeks", 1.0)])
    if fields.post_op:
        _row(c, [("SURGERY DATE", style.date(fields.surgery_date), 1.0)])
    c.y += 50
    c.signature(c.margin + 120, c.y, style.rng)
    c.y += 40
    c.write(f"Clinician signature     Date {style.date(fields.signed_date)}", scale=0.8)
    c.y += 30
    c.write(f"cc: chart - {fields.first_name} {fields.last_name}", scale=0.75)
    return [c.image]


def layout_prose_letter(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    """A referral written as prose: the patient is named once, mid-sentence, with no label."""
    c = Canvas(style, margin=140)
    rng = style.rng
    c.write(f"{style.doctor(fields.referring_name)}", bold=True, scale=1.2)
    c.write(f"Orthopaedics and Sports Medicine   Fax {style.phone(fields.referring_fax)}", scale=0.85)
    c.y += 40
    c.write(style.date(fields.signed_date))
    c.y += 20
    c.write("Dear Physical Therapist,")
    c.y += 10
    first, last = fields.first_name or "", fields.last_name or ""
    middle = f" {rng.choice('ABCDJKMRT')}." if rng.random() < 0.5 else ""
    dob = style.date(fields.dob)
    opening = rng.choice(
        (
            f"I am referring my patient {first}{middle} {last} (DOB {dob}) for physical therapy.",
            f"Please see {rng.choice(('Mr.', 'Ms.', 'Mrs.'))} {first} {last}, born {dob}, for therapy.",
            f"This letter concerns {first}{middle} {last}, date of birth {dob}, whom I saw in clinic today.",
        )
    )
    n, m = _orders(fields)
    body = (
        f"{opening} The working diagnosis is {fields.diagnosis_text or 'pain'} "
        f"({', '.join(fields.diagnosis_codes)}). I would like {n} sessions per week for {m} weeks."
    )
    if fields.post_op:
        body += f" Surgery was performed on {style.date(fields.surgery_date)}."
    c.wrap(body)
    c.y += 10
    c.wrap(f"The patient can be reached at {style.phone(fields.phone)} and lives at {fields.address}.")
    c.wrap(f"Coverage is through {fields.payer}, member ID {fields.member_id}.")
    c.y += 30
    c.write("Sincerely,")
    c.signature(c.margin + 20, c.y + 40, rng)
    c.y += 90
    c.write(style.doctor(fields.referring_name))
    c.write(f"NPI {fields.referring_npi}")
    return [c.image]


def layout_table_columns(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    """Column headers over one row of values; the name column spells out its format."""
    c = Canvas(style, margin=80)
    rng = style.rng
    c.write("Therapy Referral", bold=True, scale=1.2)
    first, last = fields.first_name or "", fields.last_name or ""
    c.write(f"Regarding: {first} {last}", scale=0.9)
    c.y += 20
    if rng.random() < 0.5:
        head, name = "Name (Last, First, MI)", f"{last.upper()} {first.upper()} {rng.choice('ABCDJKMRT')}"
    else:
        head, name = "Name (Last, First)", f"{last}, {first}"
    _row(
        c,
        [
            (head, name, 0.46),
            ("DOB", style.date(fields.dob), 0.24),
            ("Contact No.", style.phone(fields.phone), 0.3),
        ],
    )
    _row(
        c,
        [
            ("Plan", fields.payer or "", 0.4),
            ("Subscriber ID", fields.member_id or "", 0.35),
            ("Zip", fields.zip or "", 0.25),
        ],
    )
    _row(
        c,
        [
            ("ICD-10", " ".join(fields.diagnosis_codes), 0.35),
            ("Description", fields.diagnosis_text or "", 0.65),
        ],
    )
    n, m = _orders(fields)
    _row(
        c,
        [
            ("Frequency", f"{n}x/week x {m} weeks", 0.5),
            ("Post-op", "Yes" if fields.post_op else "No", 0.2),
            ("Surgery", style.date(fields.surgery_date) or "n/a", 0.3),
        ],
    )
    _row(
        c,
        [
            ("Ordering Physician", style.doctor(fields.referring_name), 0.5),
            ("NPI", fields.referring_npi or "", 0.25),
            ("Fax", style.phone(fields.referring_fax), 0.25),
        ],
    )
    c.y += 50
    c.signature(c.margin + 100, c.y, rng)
    c.y += 40
    c.write(f"Signed {style.date(fields.signed_date)}", scale=0.8)
    return [c.image]


DEV_LAYOUTS = (layout_split_name_boxes, layout_prose_letter, layout_table_columns)
