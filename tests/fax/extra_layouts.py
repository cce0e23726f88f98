"""Two layouts that exist only in tests: extraction must read them without ever having seen them."""

from __future__ import annotations

from PIL import Image

from orchestration.fax_fields import FaxFields
from orchestration.generator.fax_render import PAGE_W, Canvas, FaxStyle


def _cell(c: Canvas, x0: int, x1: int, top: int, label: str, value: str) -> int:
    """A grid cell with a small label on top and the value below it (no colon)."""
    c.text(x0 + 10, top + 6, label.upper(), scale=0.7)
    c.text(x0 + 10, top + 6 + c.line_height(0.7), value)
    bottom = top + 12 + c.line_height(0.7) + c.line_height()
    c.rect((x0, top, x1, bottom), width=2)
    return bottom


def layout_stacked_grid(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    c = Canvas(style, margin=80)
    c.write("OUTPATIENT REHABILITATION ORDER", bold=True, scale=1.1)
    c.y += 10
    w = (PAGE_W - 2 * c.margin) // 3
    xs = [c.margin + i * w for i in range(4)]
    first, last = fields.first_name or "", fields.last_name or ""
    rows = [
        [
            ("Patient Name", f"{first} {last}"),
            ("Date of Birth", style.date(fields.dob)),
            ("Mobile", style.phone(fields.phone)),
        ],
        [
            ("Health Plan", fields.payer or ""),
            ("Policy Number", fields.member_id or ""),
            ("Zip", fields.zip or ""),
        ],
        [
            ("Ordering Provider", f"Dr. {fields.referring_name}"),
            ("NPI Number", fields.referring_npi or ""),
            ("Office Fax", style.phone(fields.referring_fax)),
        ],
    ]
    for row in rows:
        top = c.y
        c.y = max(_cell(c, xs[i], xs[i + 1], top, lab, val) for i, (lab, val) in enumerate(row))
    codes = " / ".join(fields.diagnosis_codes)
    c.y = _cell(c, xs[0], xs[3], c.y, "Diagnosis codes", f"{codes}  {fields.diagnosis_text or ''}")
    n, m = fields.orders.replace("x/week x", " ").replace("weeks", " ").split() if fields.orders else ("", "")
    freq = (
        f"PT evaluate & treat {int(n) - 1}-{n}x/week x {m} wks"
        if n and int(n) > 1
        else f"PT evaluate & treat {n}x per week for {m} weeks"
    )
    c.y = _cell(c, xs[0], xs[3], c.y, "Frequency / Duration", freq)
    if fields.post_op:
        c.y = _cell(
            c,
            xs[0],
            xs[3],
            c.y,
            "Surgical history",
            f"status post arthroplasty {style.date(fields.surgery_date)}",
        )
    c.y += 60
    c.signature(c.margin + 100, c.y, style.rng)
    c.y += 40
    c.write(f"Provider signature      {style.date(fields.signed_date)}", scale=0.8)
    return [c.image]


def layout_re_block(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    c = Canvas(style, margin=130)
    doctor = f"{fields.referring_name}, M.D."
    c.write(doctor, bold=True, scale=1.2)
    c.write(f"NPI {fields.referring_npi}   Ph {style.phone(fields.referring_phone)}", scale=0.85)
    c.y += 40
    name = f"{(fields.last_name or '').upper()}, {(fields.first_name or '').upper()}"
    c.write(f"RE: {name}")
    c.write(f"DOB {style.date(fields.dob)}      Home phone {style.phone(fields.phone)}")
    c.write(f"{fields.address}")
    c.write(f"Carrier {fields.payer}    Member {fields.member_id}")
    c.y += 30
    c.write("Physical therapy prescription:", bold=True)
    c.write(
        f"1. Dx {', '.join(c.replace('.', '') for c in fields.diagnosis_codes)} - {fields.diagnosis_text}"
    )
    n, m = (
        fields.orders.replace("x/week x", " ").replace("weeks", " ").split() if fields.orders else ("1", "4")
    )
    c.write(f"2. Evaluate and treat {n} times per week for {m} weeks")
    if fields.post_op:
        c.write(f"3. s/p surgery {style.date(fields.surgery_date)}, protocol attached")
    c.y += 50
    c.signature(c.margin + 40, c.y, style.rng)
    c.y += 50
    c.write(f"Signed {style.date(fields.signed_date)}")
    return [c.image]


EXTRA_LAYOUTS = (layout_stacked_grid, layout_re_block)
