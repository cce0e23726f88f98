"""X12 271 eligibility responses for verified leads, via orchestration.x12.x12_271_write (another module)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from orchestration.generator.clock import local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Lead
from orchestration.x12.model import EligibilityResponse, Rejection

SOURCE = "eligibility"
PER_FILE = 100
DELIMITERS = (("*", ":", "~", "^"), ("*", ">", "~", "^"), ("|", ":", "~", "^"), ("*", ":", "\n", "^"))
AAA = (
    ("72", "Invalid/Missing Subscriber/Insured ID"),
    ("73", "Invalid/Missing Subscriber/Insured Name"),
    ("58", "Invalid/Missing Date-of-Birth"),
    ("75", "Subscriber/Insured Not Found"),
)


def load_writer() -> Any:
    """The 271 writer, or None when its module is not in the tree yet."""
    try:
        from orchestration.x12.x12_271_write import write_271
    except ImportError:
        return None
    return write_271


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, date | datetime):
        return obj.isoformat()
    if isinstance(obj, list):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    return obj


class EligibilityWriter:
    def __init__(self, ctx: Ctx, write_271: Any) -> None:
        self.ctx = ctx
        self.write_271 = write_271
        self._buf: list[tuple[EligibilityResponse, Lead]] = []
        self._isa = 0
        self._last_ts = 0.0

    def emit(self, lead: Lead) -> None:
        if self.write_271 is None or lead.verify_ts is None or lead.verify_ts > self.ctx.horizon:
            return
        self._buf.append((self._response(lead), lead))
        self._last_ts = max(self._last_ts, lead.verify_ts)
        if len(self._buf) >= PER_FILE:
            self.flush()

    def _response(self, lead: Lead) -> EligibilityResponse:
        rng, payer, p = self.ctx.rng, lead.payer, lead.person
        checked = local(lead.verify_ts or 0, lead.clinic.timezone).date()
        r = EligibilityResponse(
            record_id="",
            trace_id=lead.lead_id,
            payer_name=payer.name,
            payer_id=payer.payer_id,
            provider_npi=str(self.ctx.practice.raw.get("npi", "")),
            member_id=lead.member_id,
            first_name=p.first.upper(),
            last_name=p.last.upper(),
            dob=p.dob,
            checked_at=checked,
        )
        if rng.random() < 0.04:
            code, reason = rng.choice(AAA)
            r.rejections = [Rejection(loop="2100C", code=code, reason=reason, follow_up="C")]
            return r
        year = checked.year
        r.active = lead.coverage_active
        r.plan_name = f"{payer.name} {rng.choice(('PPO', 'HMO', 'EPO', 'POS', 'Choice Plus'))}"
        r.group_number = f"{rng.randint(10000, 999999)}"
        r.plan_begin = date(year, 1, 1)
        r.plan_end = date(year, 12, 31) if r.active else date(year, max(1, checked.month - 1), 1)
        r.in_network = rng.random() < 0.92
        r.auth_required = payer.auth_required
        if payer.id in ("MEDICARE",):
            r.coinsurance, r.deductible = 0.2, 257.0
        elif payer.tier == "low":
            r.copay, r.coinsurance, r.deductible = 0.0, 0.0, 0.0
        else:
            r.copay = float(rng.choice((20, 25, 30, 35, 40, 50, 60, 75)))
            r.coinsurance = rng.choice((0.0, 0.1, 0.2, 0.3))
            r.deductible = float(rng.choice((500, 1000, 1500, 2500, 3000, 5000)))
            r.visit_limit = rng.choice((20, 30, 30, 40, 60, None))
            if r.visit_limit:
                r.visits_used = min(r.visit_limit, int(rng.expovariate(1 / 3)))
        if r.deductible is not None:
            frac = min(1.0, max(0.0, 1 - (checked.timetuple().tm_yday / 365) * rng.uniform(0.2, 1.6)))
            r.deductible_remaining = round(r.deductible * frac, 2)
            r.oop_max = float(rng.choice((3000, 4500, 6000, 8150, 9200)))
            r.oop_remaining = round(r.oop_max * min(1.0, frac + rng.uniform(0, 0.2)), 2)
        return r

    def flush(self) -> None:
        if not self._buf:
            return
        ctx = self.ctx
        self._isa += 1
        responses = [r for r, _ in self._buf]
        created = local(self._last_ts, ctx.practice.home_tz)
        name = f"271_{created.strftime('%Y%m%d')}_{self._isa:05d}.x12"
        ids = self.write_271(
            responses,
            ctx.sinks.folder(SOURCE) / name,
            isa_control=self._isa,
            sender_id="CLEARINGHOUSE",
            receiver_id=str(ctx.practice.raw.get("tax_id", "PTLEADS")),
            created=created,
            delimiters=DELIMITERS[(self._isa - 1) % len(DELIMITERS)],
        )
        ctx.sinks._count(SOURCE)
        for rid, (resp, lead) in zip(ids, self._buf, strict=True):
            resp.record_id = rid
            ctx.truth.eligibility(_jsonable(dataclasses.asdict(resp)))
            ctx.truth.record(SOURCE, rid, lead.person.person_id, lead.lead_id)
        self._buf = []
