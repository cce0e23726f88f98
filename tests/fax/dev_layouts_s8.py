"""Two more DEVELOPMENT layouts (session 8) for forms no other layout draws: a claim-style form whose
name sits in tight adjacent boxes (LAST | FIRST | MI), whose DOB is three boxed parts and whose codes
are printed without dots, the category in one box and the rest in the next; and a fax cover sheet
followed by a form of inline "label: value" runs whose diagnosis wraps mid-code ("S83." / "511A").

Develop on these with fresh seeds; the test-only layouts (extra_layouts.py) stay unseen until a blind
measurement. Truth comes from dev_layouts.dev_fields (the wider name pool).
"""

from __future__ import annotations

from datetime import date

from dev_layouts import _orders
from PIL import Image

from orchestration.fax_fields import FaxFields
from orchestration.generator.fax_render import Canvas, FaxStyle


def _tight_boxes(c: Canvas, x: int, top: int, values: list[str], pad: int = 5) -> tuple[int, int]:
    """Values in boxes that just fit them, side by side with no gap (the fax closes the word gaps);
    returns the right edge and the bottom."""
    bottom = top + c.line_height() + 4
    for value in values:
        right = c.text(x + pad, top + 4, value) + pad
        c.rect((x, top, right, bottom), width=2)
        x = right
    return x, bottom


def layout_claim_form(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    """A claim-style referral form: numbered captions, tight boxes, dotless codes in split cells."""
    c = Canvas(style, margin=70)
    rng = style.rng
    c.write("PATIENT REFERRAL / AUTHORIZATION REQUEST", bold=True, scale=1.05)
    c.y += 12
    first, last = (fields.first_name or "").upper(), (fields.last_name or "").upper()
    c.text(c.margin, c.y, "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)", scale=0.6)
    c.text(1000, c.y, "3. BIRTH DATE  MM  DD  YYYY", scale=0.6)
    c.y += c.line_height(0.6)
    dob = date.fromisoformat(fields.dob) if fields.dob else None
    _, bottom = _tight_boxes(c, c.margin, c.y, [last, first, rng.choice("ABCDJKMRT")])
    if dob:
        _tight_boxes(c, 1000, c.y, [f"{dob.month:02d}", f"{dob.day:02d}", f"{dob.year}"], pad=10)
    c.y = bottom + 18
    c.text(c.margin, c.y, "5. PATIENT'S TELEPHONE (Include Area Code)", scale=0.6)
    c.text(900, c.y, "ZIP CODE", scale=0.6)
    c.y += c.line_height(0.6)
    phone = fields.phone or ""
    c.text(c.margin + 10, c.y, f"( {phone[:3]} ) {phone[3:6]}-{phone[6:]}")
    c.text(900, c.y, fields.zip or "")
    c.y += c.line_height() + 18
    c.text(c.margin, c.y, "11c. INSURANCE PLAN NAME OR PROGRAM NAME", scale=0.6)
    c.text(900, c.y, "1a. INSURED'S I.D. NUMBER", scale=0.6)
    c.y += c.line_height(0.6)
    c.text(c.margin + 10, c.y, (fields.payer or "").upper())
    c.text(900, c.y, fields.member_id or "")
    c.y += c.line_height() + 18
    c.text(c.margin, c.y, "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE", scale=0.6)
    c.text(1000, c.y, "17b. NPI", scale=0.6)
    c.y += c.line_height(0.6)
    c.text(c.margin + 10, c.y, style.doctor(fields.referring_name))
    c.text(1000, c.y, fields.referring_npi or "")
    c.y += c.line_height() + 18
    c.text(c.margin, c.y, "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY (ICD Ind. 0)", scale=0.6)
    c.y += c.line_height(0.6)
    x = c.margin
    for letter, code in zip("ABCD", fields.diagnosis_codes, strict=False):
        x = c.text(x, c.y + 4, f"{letter}.", scale=0.8) + 8
        head, _, rest = code.partition(".")
        x = _tight_boxes(c, x, c.y, [head, rest] if rest else [head])[0] + 50
    c.y += c.line_height() + 12
    c.write(f"Description: {fields.diagnosis_text or ''}", scale=0.85)
    c.y += 10
    n, m = _orders(fields)
    c.write(
        f"24. SERVICES REQUESTED: PT evaluation and treatment, {n} times weekly for {m} weeks", scale=0.85
    )
    if fields.post_op:
        c.write(f"Date of surgery: {style.date(fields.surgery_date)}", scale=0.85)
    c.y += 50
    c.signature(c.margin + 100, c.y, rng)
    c.y += 40
    c.write(f"31. SIGNATURE OF PHYSICIAN    DATE {style.date(fields.signed_date)}", scale=0.7)
    return [c.image]


def layout_cover_and_inline(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    """A cover sheet (Re: LAST,FIRST), then a form of inline label: value runs, the code cut at a wrap."""
    rng = style.rng
    cover = Canvas(style, margin=120)
    cover.write("FACSIMILE TRANSMITTAL", bold=True, scale=1.4)
    cover.y += 30
    first, last = fields.first_name or "", fields.last_name or ""
    for label, value in (
        ("To:", "Physical Therapy Intake"),
        ("From:", style.doctor(fields.referring_name)),
        ("Fax:", style.phone(fields.referring_fax)),
        ("Re:", f"Referral - {last.upper()},{first.upper()}"),
        ("Pages:", "2 (including cover)"),
    ):
        cover.text(cover.margin, cover.y, label, bold=True)
        cover.write(value, x=cover.margin + 200)
    cover.y += 40
    cover.wrap(
        "CONFIDENTIALITY NOTICE: This facsimile contains protected health information that is "
        "privileged and confidential. If you have received it in error, please notify the sender "
        "and destroy all copies.",
        scale=0.8,
    )
    form = Canvas(style, margin=100)
    form.write("Physical Therapy Referral", bold=True, scale=1.2)
    form.y += 20
    dob = style.date(fields.dob)
    form.write(f"Pt: {first} {last}     DOB: {dob}     Tel (H): {style.phone(fields.phone)}")
    form.write(f"Addr: {fields.address or ''}")
    form.write(f"Ins: {fields.payer or ''}     ID#: {fields.member_id or ''}")
    form.y += 15
    codes = list(fields.diagnosis_codes)
    cut = next((i for i, code in enumerate(codes) if "." in code and len(code) > 5), None)
    text = fields.diagnosis_text or "pain"
    if cut is None:
        form.write(f"Dx: {text} {', '.join(codes)}")
    else:
        head, _, rest = codes[cut].partition(".")
        before = ", ".join([*codes[:cut], f"{head}."])
        form.write(f"Dx: {text} {before}")
        form.write(f"{rest}{', ' if codes[cut + 1 :] else ''}{', '.join(codes[cut + 1 :])}")
    n, m = _orders(fields)
    form.write(f"Rx: PT eval & tx {n}x/wk x {m} wks")
    if fields.post_op:
        form.write(f"s/p surgery {style.date(fields.surgery_date)}")
    form.y += 40
    form.write(f"Referring: {style.doctor(fields.referring_name)}     NPI: {fields.referring_npi or ''}")
    form.signature(form.margin + 60, form.y + 40, rng)
    form.y += 90
    form.write(f"Date: {style.date(fields.signed_date)}", scale=0.85)
    return [cover.image, form.image]


DEV_LAYOUTS_S8 = (layout_claim_form, layout_cover_and_inline)
