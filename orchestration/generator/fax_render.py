"""Render referral faxes as a fax machine would deliver them: 1-bit, 1728 px wide, 204x98 or 204x196 dpi.

A layout draws clean pages on a square-pixel canvas (1728x2200, ~200 dpi); `finish_pages` then does
what the scanner and the fax line do: a slight skew, speckle noise, the sender's header strip, vertical
halving for standard resolution, and 1-bit output as an image-only PDF or a CCITT G4 multi-page TIFF.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from orchestration.fax_fields import FaxFields

PAGE_W = 1728
FINE_H = 2200  # letter page at 196 lpi; standard mode keeps every other line (1100)
STANDARD_H = 1100
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

# (regular, bold) pairs; None means Pillow's bundled default face.
FONT_FACES: tuple[tuple[str | None, str | None], ...] = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    # STIX regular's hairlines vanish at 98 lpi (no fax reader recovers them); its bold face survives.
    ("STIXGeneralBol.ttf", "STIXGeneralBol.ttf"),
    (None, None),
)

# Each fax picks one wording per label, as each clinic's form does.
LABELS: dict[str, tuple[str, ...]] = {
    "patient": ("Patient Name", "Pt Name", "Patient", "Name", "Patient name"),
    "dob": ("DOB", "Date of Birth", "D.O.B.", "Birth Date"),
    "phone": ("Phone", "Pt Phone", "Patient Phone", "Home Phone", "Cell", "Tel"),
    "address": ("Address", "Addr", "Home Address"),
    "dx": ("Dx", "Diagnosis", "Diagnoses", "Diagnosis/ICD-10"),
    "referring": ("Referring Physician", "Referring Provider", "Ordering Physician", "Physician"),
    "npi": ("NPI", "NPI #", "NPI No."),
    "ref_phone": ("Office Phone", "Phone", "Tel", "Ph"),
    "ref_fax": ("Fax", "Office Fax", "Fax #"),
    "orders": ("Orders", "Order", "Rx", "Treatment Orders"),
    "payer": ("Insurance", "Ins", "Payer", "Primary Insurance", "Insurance Carrier"),
    "member": ("Member ID", "Subscriber #", "Member #", "Policy #", "Subscriber ID", "ID #"),
    "surgery": ("Surgery Date", "Date of Surgery", "Surgery date"),
    "post_op": ("Post-op", "Post-surgical", "Post-Op"),
    "signature": ("Signature", "Physician Signature", "Signed"),
}

DATE_FORMATS = ("%m/%d/%Y", "{m}/{d}/%Y", "%m-%d-%Y", "%Y-%m-%d", "%b %d, %Y", "%d-%b-%Y", "%B {d}, %Y")
PHONE_FORMATS = ("({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a} {b} {c}", "1-{a}-{b}-{c}")
FREQ_WORDS = {1: "QW", 2: "BIW", 3: "TIW"}


@dataclass
class FaxStyle:
    """The look one sending clinic's fax has: fonts, size, label wordings, date and phone formats."""

    rng: random.Random
    face: tuple[str | None, str | None]
    size: int
    date_format: str
    phone_format: str
    labels: dict[str, str] = field(default_factory=dict)
    sender: str = ""  # the sending practice's name, shown in letterheads and the fax header

    @classmethod
    def from_seed(cls, seed: int) -> FaxStyle:
        rng = random.Random(seed)
        return cls(
            rng=rng,
            face=rng.choice(FONT_FACES),
            size=rng.randint(27, 33),
            date_format=rng.choice(DATE_FORMATS),
            phone_format=rng.choice(PHONE_FORMATS),
        )

    def font(self, bold: bool = False, scale: float = 1.0) -> ImageFont.FreeTypeFont:
        name = self.face[1] if bold else self.face[0]
        size = max(12, round(self.size * scale))
        if name is None:
            return ImageFont.load_default(size=size)
        return ImageFont.truetype(str(FONT_DIR / name), size)

    def label(self, key: str) -> str:
        if key not in self.labels:
            self.labels[key] = self.rng.choice(LABELS[key])
        return self.labels[key]

    def date(self, iso: str | None) -> str:
        if not iso:
            return ""
        d = date.fromisoformat(iso)
        fmt = self.date_format.replace("{m}", str(d.month)).replace("{d}", str(d.day))
        return d.strftime(fmt)

    def phone(self, digits: str | None) -> str:
        if not digits:
            return ""
        return self.phone_format.format(a=digits[:3], b=digits[3:6], c=digits[6:])

    def orders(self, orders: str | None) -> str:
        """'2x/week x 6 weeks' written as a clinic would; ranges end at the true (upper) frequency."""
        text = "Eval and treat"
        if not orders:
            return text
        parsed = _parse_orders(orders)
        if parsed is None:
            return f"{text}, {orders}"  # not in normalised form: written as given
        n, m = parsed
        times = "once" if n == 1 else f"{n} times"
        variants = [
            f"{n}x/week x {m} weeks",
            f"{n}x/wk x {m} wks",
            f"{times} a week for {m} weeks",
            f"{n}x per week for {m} weeks",
        ]
        if n in FREQ_WORDS:
            variants.append(f"{FREQ_WORDS[n]} x {m} wk")
        if n >= 2:
            variants.append(f"{n - 1}-{n} times a week for {m} wks")
        return f"{text}, {self.rng.choice(variants)}"

    def name(self, fields: FaxFields) -> str:
        first, last = fields.first_name or "", fields.last_name or ""
        middle = f" {self.rng.choice('ABCDEJKLMRST')}." if self.rng.random() < 0.3 else ""
        form = self.rng.randrange(4)
        if form == 0:
            return f"{first}{middle} {last}"
        if form == 1:
            return f"{last}, {first}{middle}"
        if form == 2:
            return f"{last.upper()}, {first.upper()}"
        return f"{first} {last}"

    def doctor(self, name: str | None) -> str:
        """The referring physician as signed; a credential in the truth ("Jane Roe, PA-C") is kept."""
        if not name:
            return ""
        base, _, cred = name.partition(",")
        if cred.strip():
            base, cred = base.strip(), cred.strip()
            return self.rng.choice(
                (f"Dr. {base}" if cred in ("MD", "DO") else name, name, f"{base} {cred}", name, name)
            )
        return self.rng.choice((f"Dr. {name}", f"{name}, MD", f"{name}, DO", f"{name} MD", name))

    def codes(self, fields: FaxFields) -> str:
        # Half the clinics drop the dot in ICD-10 codes.
        nodot = self.rng.random() < 0.3
        return ", ".join(c.replace(".", "") if nodot else c for c in fields.diagnosis_codes)


def _parse_orders(orders: str) -> tuple[int, int] | None:
    """(visits a week, weeks) from the normalised "<n>x/week x <m> weeks", else None."""
    m = re.fullmatch(r"\s*(\d+)x/week x (\d+) weeks?\s*", orders)
    return (int(m[1]), int(m[2])) if m else None


class Canvas:
    """One clean page on square pixels; layouts draw on it with a moving cursor."""

    def __init__(self, style: FaxStyle, margin: int = 110) -> None:
        self.style = style
        self.image = Image.new("L", (PAGE_W, FINE_H), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.margin = margin
        self.y = 150  # room for the fax header strip

    def text(self, x: int, y: int, s: str, bold: bool = False, scale: float = 1.0) -> int:
        """Draw text at (x, y); returns its right edge."""
        font = self.style.font(bold, scale)
        self.draw.text((x, y), s, font=font, fill=0)
        return int(self.draw.textlength(s, font=font)) + x

    def line_height(self, scale: float = 1.0) -> int:
        return int(self.style.size * scale * 1.75)

    def write(self, s: str, bold: bool = False, scale: float = 1.0, x: int | None = None) -> None:
        self.text(self.margin if x is None else x, self.y, s, bold, scale)
        self.y += self.line_height(scale)

    def wrap(self, s: str, width: int | None = None, scale: float = 1.0) -> None:
        """Word-wrapped prose between the margins."""
        font = self.style.font(False, scale)
        width = width or PAGE_W - 2 * self.margin
        line = ""
        for word in s.split():
            trial = f"{line} {word}".strip()
            if self.draw.textlength(trial, font=font) > width and line:
                self.write(line, scale=scale)
                line = word
            else:
                line = trial
        if line:
            self.write(line, scale=scale)

    def rect(self, box: tuple[int, int, int, int], width: int = 3) -> None:
        self.draw.rectangle(box, outline=0, width=width)

    def hline(self, x0: int, x1: int, y: int, width: int = 3) -> None:
        self.draw.line((x0, y, x1, y), fill=0, width=width)

    def signature(self, x: int, y: int, rng: random.Random) -> None:
        """A scribble above a signature line: real faxes have one, and OCR must ignore it."""
        pts = [(x + i * 28, y + rng.randint(-28, 10)) for i in range(12)]
        self.draw.line(pts, fill=0, width=4, joint="curve")


@dataclass
class Header:
    """The line a sending fax machine stamps on top of every page."""

    from_fax: str | None
    sent_at: datetime
    sender: str


def header_for(fields: FaxFields, rng: random.Random, sender: str) -> Header:
    base = date.fromisoformat(fields.signed_date) if fields.signed_date else date(2025, 1, 6)
    sent = datetime(base.year, base.month, base.day, 8) + timedelta(minutes=rng.randint(0, 600))
    return Header(from_fax=fields.from_fax or fields.referring_fax, sent_at=sent, sender=sender)


def _header_text(header: Header, page: int, pages: int, rng: random.Random) -> str:
    fax = header.from_fax or ""
    fax_txt = rng.choice((f"({fax[:3]}) {fax[3:6]}-{fax[6:]}", f"{fax[:3]}-{fax[3:6]}-{fax[6:]}", fax))
    when = header.sent_at.strftime(rng.choice(("%m/%d/%Y %I:%M %p", "%b-%d-%Y %H:%M", "%Y-%m-%d %H:%M")))
    pg = rng.choice((f"P. {page}/{pages}", f"Page {page}/{pages}", f"PAGE {page} OF {pages}"))
    return f"{when}   FROM: {fax_txt}   {header.sender.upper()}   {pg}"


def finish_pages(pages: list[Image.Image], header: Header, out_path: Path, seed: int, fine: bool) -> int:
    """Scan-and-send the clean pages: skew, noise, header, resolution, 1-bit; write PDF or TIFF."""
    rng = np.random.default_rng(seed)
    header_rng = random.Random(seed)
    header_font = ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono.ttf"), 22)
    out: list[Image.Image] = []
    for i, page in enumerate(pages, start=1):
        angle = float(rng.uniform(-1.5, 1.5))
        img = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
        # The header is stamped digitally by the sending machine, so it is not skewed.
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, PAGE_W, 70), fill=255)
        draw.text((30, 28), _header_text(header, i, len(pages), header_rng), font=header_font, fill=0)
        if not fine:
            img = img.resize((PAGE_W, STANDARD_H), Image.Resampling.BOX)
        # Standard mode averages row pairs: a darker threshold keeps one-row horizontal strokes.
        arr = np.asarray(img) < (150 if fine else 170)
        speckle = rng.random(arr.shape) < 0.0015  # line noise: isolated black dots
        dropout = rng.random(arr.shape) < 0.01  # toner / thermal dropouts inside strokes
        arr = (arr | speckle) & ~dropout
        out.append(Image.fromarray(~arr).convert("1"))
    write_fax_images(out, out_path, fine)
    return len(out)


def write_fax_images(images: list[Image.Image], out_path: Path, fine: bool) -> None:
    dpi = (204, 196 if fine else 98)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    suffix = out_path.suffix.lower()
    if suffix == ".pdf":
        images[0].save(out_path, "PDF", save_all=True, append_images=images[1:], dpi=dpi)
    elif suffix in (".tif", ".tiff"):
        images[0].save(
            out_path, "TIFF", save_all=True, append_images=images[1:], compression="group4", dpi=dpi
        )
    else:
        raise ValueError(f"fax output must be .pdf, .tif or .tiff, not {suffix!r}")


LayoutFn = Callable[[FaxFields, FaxStyle], list[Image.Image]]


def render_with(layout_fn: LayoutFn, fields: FaxFields, out_path: Path, seed: int, fine: bool) -> int:
    """Render with any layout function (tests use this with layouts production never sees)."""
    style = FaxStyle.from_seed(seed)
    sender = style.rng.choice(SENDERS)
    header = header_for(fields, style.rng, sender)
    style.sender = sender
    pages = layout_fn(fields, style)
    return finish_pages(pages, header, out_path, seed, fine)


SENDERS = (
    "Capital Orthopedics",
    "Hill Country Family Medicine",
    "Lakeway Sports Medicine",
    "Central Texas Spine Ctr",
    "Round Rock Primary Care",
    "Westlake Bone & Joint",
)


def render_fax(fields: FaxFields, layout: int, out_path: Path, seed: int, fine: bool) -> int:
    """Render one referral fax with production layout `layout` (0..FAX_LAYOUTS-1); returns pages written."""
    from orchestration.generator.fax_layouts import LAYOUTS

    if not 0 <= layout < len(LAYOUTS):
        raise ValueError(f"layout must be in 0..{len(LAYOUTS) - 1}")
    return render_with(LAYOUTS[layout], fields, out_path, seed, fine)


FAX_LAYOUTS = 4
