"""Referral faxes (image-only PDF or TIFF via fax_render, another module), sidecars and fax truth."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.fax_fields import FaxFields
from orchestration.generator.clock import iso_local, local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Lead

SOURCE = "fax"


def load_renderer() -> tuple[Any, int] | None:
    """(render_fax, FAX_LAYOUTS), or None when the renderer module is not in the tree yet."""
    try:
        from orchestration.generator.fax_render import FAX_LAYOUTS, render_fax
    except ImportError:
        return None
    return render_fax, int(FAX_LAYOUTS)


class FaxWriter:
    def __init__(self, ctx: Ctx, renderer: tuple[Any, int] | None) -> None:
        self.ctx = ctx
        self.renderer = renderer
        self.count = 0

    def fields(self, lead: Lead, name: str, ts: float) -> FaxFields:
        """What the faxed form says (truth for extraction): the legal name, mostly, as the office typed it."""
        rng, p, ref = self.ctx.rng, lead.person, lead.referrer
        assert ref is not None
        first = p.first
        if rng.random() < 0.05 and (nicks := _nicks(p.first)):
            first = rng.choice(nicks)
        per_week, weeks = lead.orders
        return FaxFields(
            source_record_id=name,
            first_name=first,
            last_name=p.last,
            dob=None if rng.random() < 0.03 else p.dob.isoformat(),
            phone=p.phone,
            address=p.address,
            zip=p.zip.zip,
            diagnosis_codes=list(lead.codes),
            diagnosis_text=lead.dx[0].description or None,
            referring_name=f"{ref.first} {ref.last}, {ref.credential}",
            referring_npi=ref.npi,
            referring_phone=ref.phone,
            referring_fax=ref.fax,
            orders=f"{per_week}x/week x {weeks} weeks",
            post_op=lead.post_op,
            surgery_date=FaxFields.iso(lead.surgery_date),
            payer=rng.choice(lead.payer.aliases or [lead.payer.name]) if lead.payer.payer_id else "Self-pay",
            member_id=lead.member_id,
            from_fax=ref.fax,
            signed_date=local(ts - rng.uniform(0, 2) * 86400, lead.clinic.timezone).date().isoformat(),
        )

    def emit(self, lead: Lead) -> None:
        ctx = self.ctx
        if self.renderer is None:
            return
        render_fax, n_layouts = self.renderer
        for ch, ts in lead.arrivals:
            if ch != "fax" or ts > ctx.horizon:
                continue
            rng = ctx.rng
            self.count += 1
            stamp = local(ts, ctx.practice.home_tz).strftime("%Y%m%d_%H%M%S")
            name = f"fax_{stamp}_{self.count:05d}.{'tif' if rng.random() < 0.35 else 'pdf'}"
            fields = self.fields(lead, name, ts)
            layout = rng.randrange(n_layouts)
            seed = rng.getrandbits(31)
            fine = rng.random() < 0.5
            out = ctx.sinks.folder(SOURCE) / name
            pages = render_fax(fields, layout, out, seed, fine)
            if out.suffix == ".pdf":
                pin_pdf_dates(out, ts)
            ctx.sinks._count(SOURCE)
            sidecar = {
                "from": f"+1{fields.from_fax}",
                "received_at": iso_local(ts, lead.clinic.timezone),
                "pages": pages,
            }
            (out.parent / f"{out.name.rsplit('.', 1)[0]}.json").write_text(json.dumps(sidecar) + "\n")
            ctx.truth.fax_fields(fields.to_dict())
            ctx.truth.record(SOURCE, name, lead.person.person_id, lead.lead_id)


def _nicks(first: str) -> tuple[str, ...]:
    from orchestration.generator.people import nicknames_of

    return nicknames_of(first)


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}Z\)")


def pin_pdf_dates(path: Path, ts: float) -> None:
    """Pillow stamps PDFs with the wall clock; use the fax's receipt time so a seed gives identical bytes.
    The replacement has the same length, so the xref offsets stay valid."""
    stamp = datetime.fromtimestamp(int(ts), UTC).strftime("%Y%m%d%H%M%S").encode()
    data = path.read_bytes()
    fixed = _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + stamp + b"Z)", data)
    if fixed != data:
        path.write_bytes(fixed)
