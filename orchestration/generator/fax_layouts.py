"""The production referral-fax layouts: boxed two-column form, letter, table grid, cover sheet + form.

Each layout takes the fax truth and a `FaxStyle` (fonts, label wordings, formats) and returns clean
pages; `fax_render.finish_pages` turns them into what a fax machine delivers.
"""

from __future__ import annotations

from PIL import Image

from orchestration.fax_fields import FaxFields
from orchestration.generator.fax_render import PAGE_W, Canvas, FaxStyle, LayoutFn


def post_op_text(fields: FaxFields, style: FaxStyle) -> str | None:
    """How a clinic states surgery: a yes/no field, 's/p', 'status post' or 'post-op'."""
    rng = style.rng
    if not fields.post_op:
        return rng.choice((f"{style.label('post_op')}: No", None))
    when = style.date(fields.surgery_date)
    return rng.choice(
        (
            f"{style.label('post_op')}: Yes   {style.label('surgery')}: {when}",
            f"s/p surgery on {when}",
            f"Status post surgical repair {when}",
            f"Post-op, {style.label('surgery')}: {when}",
        )
    )


def address_text(fields: FaxFields) -> str:
    addr = fields.address or ""
    if fields.zip and fields.zip not in addr:
        addr = f"{addr} {fields.zip}".strip()
    return addr


def dx_text(fields: FaxFields, style: FaxStyle) -> str:
    codes = style.codes(fields)
    text = fields.diagnosis_text or ""
    if style.rng.random() < 0.5:
        return f"{text} ({codes})" if text else codes
    return f"{text}   ICD-10: {codes}" if text else f"ICD-10: {codes}"


def _pairs(fields: FaxFields, style: FaxStyle) -> dict[str, tuple[str, str]]:
    """label key -> (label as printed, value as printed)."""
    lb = style.label
    return {
        "patient": (lb("patient"), style.name(fields)),
        "dob": (lb("dob"), style.date(fields.dob)),
        "phone": (lb("phone"), style.phone(fields.phone)),
        "address": (lb("address"), address_text(fields)),
        "payer": (lb("payer"), fields.payer or ""),
        "member": (lb("member"), fields.member_id or ""),
        "referring": (lb("referring"), style.doctor(fields.referring_name)),
        "npi": (lb("npi"), fields.referring_npi or ""),
        "ref_phone": (lb("ref_phone"), style.phone(fields.referring_phone)),
        "ref_fax": (lb("ref_fax"), style.phone(fields.referring_fax)),
        "dx": (lb("dx"), dx_text(fields, style)),
        "orders": (lb("orders"), style.orders(fields.orders)),
    }


def _boxed_column(c: Canvas, x0: int, x1: int, title: str, rows: list[tuple[str, str]]) -> int:
    """A titled box of label: value rows; a value that does not fit goes below its label."""
    y0 = c.y
    c.text(x0 + 14, y0 + 10, title, bold=True)
    y = y0 + 10 + c.line_height()
    font = c.style.font()
    for label, value in rows:
        right = c.text(x0 + 14, y, f"{label}:")
        if c.draw.textlength(value, font=font) < x1 - right - 30:
            c.text(right + 14, y, value)
        else:
            y += c.line_height()
            c.text(x0 + 40, y, value)
        y += c.line_height()
    c.rect((x0, y0, x1, y + 10))
    return y + 10


def layout_boxed_form(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    c = Canvas(style)
    p = _pairs(fields, style)
    c.write("PHYSICAL THERAPY REFERRAL", bold=True, scale=1.3)
    c.write(style.sender, scale=0.9)
    c.y += 20
    mid = PAGE_W // 2
    top = c.y
    left = _boxed_column(
        c, c.margin, mid - 15, "PATIENT", [p[k] for k in ("patient", "dob", "phone", "address")]
    )
    c.y = top
    right = _boxed_column(
        c,
        mid + 15,
        PAGE_W - c.margin,
        "REFERRING",
        [p[k] for k in ("referring", "npi", "ref_phone", "ref_fax")],
    )
    c.y = max(left, right) + 30
    c.y = _boxed_column(c, c.margin, PAGE_W - c.margin, "INSURANCE", [p["payer"], p["member"]]) + 30
    rows = [p["dx"], p["orders"]]
    post = post_op_text(fields, style)
    box_top = c.y
    c.y = _boxed_column(c, c.margin, PAGE_W - c.margin, "CLINICAL", rows) + 30
    if post:
        c.text(c.margin + 14, c.y - 30, post)
        c.rect((c.margin, box_top, PAGE_W - c.margin, c.y + c.line_height() - 20))
        c.y += c.line_height()
    _sign(c, fields, style)
    return [c.image]


def _sign(c: Canvas, fields: FaxFields, style: FaxStyle) -> None:
    c.y += 60
    c.signature(c.margin + 260, c.y, style.rng)
    c.y += 30
    c.hline(c.margin + 240, c.margin + 800, c.y)
    c.text(c.margin, c.y - 35, f"{style.label('signature')}:")
    c.text(c.margin + 900, c.y - 35, f"Date: {style.date(fields.signed_date)}")
    c.y += 60


def layout_letter(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    c = Canvas(style, margin=150)
    p = _pairs(fields, style)
    c.write(style.sender, bold=True, scale=1.4)
    c.write(f"Tel {style.phone(fields.referring_phone)}   Fax {style.phone(fields.referring_fax)}", scale=0.9)
    c.hline(c.margin, PAGE_W - c.margin, c.y)
    c.y += 50
    c.write(style.date(fields.signed_date))
    c.y += 20
    c.write("To: Physical Therapy Intake")
    c.write("Re: Referral for physical therapy")
    c.y += 30
    name, dob, phone = p["patient"][1], p["dob"][1], p["phone"][1]
    c.wrap(f"Dear colleague, please evaluate and treat my patient {name}, {p['dob'][0]} {dob}.")
    c.write(f"{p['phone'][0]}: {phone}")
    c.write(f"{p['address'][0]}: {p['address'][1]}")
    c.y += 20
    c.wrap(f"{p['dx'][0]}: {p['dx'][1]}")
    post = post_op_text(fields, style)
    if post:
        c.write(post)
    c.write(f"{p['orders'][0]}: {p['orders'][1]}")
    c.write(f"{p['payer'][0]}: {p['payer'][1]}   {p['member'][0]}: {p['member'][1]}")
    c.y += 20
    c.wrap("Thank you for seeing this patient. Please send progress notes to our office.")
    c.y += 20
    c.write("Sincerely,")
    c.signature(c.margin + 20, c.y + 40, style.rng)
    c.y += 90
    c.write(p["referring"][1])
    c.write(f"{p['npi'][0]}: {p['npi'][1]}")
    return [c.image]


def layout_table(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    c = Canvas(style)
    p = _pairs(fields, style)
    c.write("Referral / Order for Physical Therapy", bold=True, scale=1.2)
    c.y += 20
    post = post_op_text(fields, style)
    keys = ["patient", "dob", "phone", "address", "payer", "member", "dx", "orders"]
    keys += ["referring", "npi", "ref_phone", "ref_fax"]
    rows = [p[k] for k in keys]
    if post:
        rows.insert(8, ("Surgical history", post))
    split = c.margin + 420
    font = style.font()
    for label, value in rows:
        top = c.y
        c.text(c.margin + 12, top + 12, label, bold=True)
        # Wrap long values inside the cell.
        lines, line = [], ""
        for word in value.split():
            trial = f"{line} {word}".strip()
            if c.draw.textlength(trial, font=font) > PAGE_W - c.margin - split - 30 and line:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
        for i, ln in enumerate(lines):
            c.text(split + 14, top + 12 + i * c.line_height(), ln)
        bottom = top + 24 + len(lines) * c.line_height() - 14
        c.rect((c.margin, top, split, bottom), width=2)
        c.rect((split, top, PAGE_W - c.margin, bottom), width=2)
        c.y = bottom
    _sign(c, fields, style)
    return [c.image]


def layout_cover_and_form(fields: FaxFields, style: FaxStyle) -> list[Image.Image]:
    cover = Canvas(style)
    cover.write("FAX", bold=True, scale=3.0)
    cover.y += 40
    for label, value in (
        ("To", "Physical Therapy - New Referrals"),
        ("From", style.sender),
        ("Phone", style.phone(fields.referring_phone)),
        ("Fax", style.phone(fields.referring_fax)),
        ("Date", style.date(fields.signed_date)),
        ("Pages", "2 (including cover)"),
        ("Re", "New patient referral"),
    ):
        cover.write(f"{label}:  {value}")
    cover.y += 60
    cover.wrap(
        "CONFIDENTIALITY NOTICE: This facsimile contains protected health information that is "
        "privileged and confidential. If you are not the intended recipient, please notify the "
        "sender by telephone and destroy all copies.",
        scale=0.8,
    )

    form = Canvas(style)
    p = _pairs(fields, style)
    form.write("PATIENT REFERRAL FORM", bold=True, scale=1.2)
    form.y += 20
    sections = (
        ("Patient Information", ["patient", "dob", "phone", "address"]),
        ("Insurance", ["payer", "member"]),
        ("Clinical", ["dx", "orders"]),
        ("Referring Provider", ["referring", "npi", "ref_phone", "ref_fax"]),
    )
    for title, keys in sections:
        form.write(title, bold=True)
        form.hline(form.margin, PAGE_W - form.margin, form.y - 8, width=2)
        for k in keys:
            form.wrap(f"{p[k][0]}: {p[k][1]}")
        if title == "Clinical" and (post := post_op_text(fields, style)):
            form.write(post)
        form.y += 25
    _sign(form, fields, style)
    return [cover.image, form.image]


LAYOUTS: tuple[LayoutFn, ...] = (layout_boxed_form, layout_letter, layout_table, layout_cover_and_form)
