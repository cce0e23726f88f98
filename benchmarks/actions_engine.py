"""Benchmark: next actions for N open leads (synthetic engine inputs, ~8 touches each), waitlist offers for
freed slots (every open lead waiting), the tracking-token records, and the call list.

`uv run python benchmarks/actions_engine.py [--leads 100000] [--freed-slots 500] [--tag NAME]`; writes
benchmarks/results/actions-<date>[-tag].json. Target: 100k open leads in under 10 s. Wall seconds and
CPU seconds (process_time) are both reported: wall is pessimistic on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from orchestration.actions.call_list import build_call_list
from orchestration.actions.engine import ClinicInfo, EngineContext, next_actions
from orchestration.actions.sequences import load_compliance, load_sequences
from orchestration.actions.slots import Slot, SlotRequest
from orchestration.actions.timeline import LeadInput, Touch
from orchestration.actions.tracking_tokens import token_records
from orchestration.actions.waitlist import FreedSlot, apply_waitlist, rank_offers

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2025, 3, 31, 15, 0)
EVENTS = [
    ("call", "outbound", "no answer", None),
    ("call", "outbound", "call connected", None),
    ("sms", "outbound", "delivered", None),
    ("email", None, "processed", None),
    ("email", None, "delivered", None),
    ("email", None, "open", None),
    ("web", None, "scheduling_view", None),
    ("outcome", None, "no_answer", None),
    ("sms", "inbound", "received", "stop"),
    ("email", None, "bounce", None),
]
WEIGHTS = [12, 6, 8, 10, 10, 8, 5, 4, 1, 1]
ZONES = ["America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles"]


def synthetic_leads(n: int, seed: int = 1) -> list[LeadInput]:
    rng = random.Random(seed)
    leads = []
    for i in range(n):
        received = AS_OF - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        span = max(int((AS_OF - received).total_seconds() // 60), 1)
        touches = tuple(
            Touch(received + timedelta(minutes=rng.randint(0, span)), *ev)
            for ev in rng.choices(EVENTS, WEIGHTS, k=rng.randint(0, 16))
        )
        leads.append(
            LeadInput(
                lead_id=f"L{i:07d}",
                clinic_id=f"C{i % 50:02d}",
                status=rng.choice(["new", "contacted", "verified"]),
                priority_tier=rng.choices(["high", "standard", "low"], [2, 6, 2])[0],
                received_at=received,
                timezone=rng.choice(ZONES),
                expected_value=rng.uniform(200, 4000),
                has_phone=rng.random() < 0.95,
                has_email=rng.random() < 0.7,
                sms_consent=rng.choice([True, None, False]),
                diagnosis_group=rng.choice(["orthopedic", "spine", "neuro", "post_surgical"]),
                payer_tier=rng.choice(["high", "standard", "low", "unknown"]),
                first_name="Pat",
                touches=touches,
            )
        )
    return leads


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3)


def synthetic_waitlist(leads: list[LeadInput], n_slots: int, seed: int = 2) -> tuple[list[FreedSlot], list]:
    """Freed slots over the next week in the 50 clinics, and every open lead as a waiting request."""
    rng = random.Random(seed)
    specialties = [("orthopedic",), ("spine", "orthopedic"), ("neuro",), ("post_surgical", "sports")]
    freed = []
    for i in range(n_slots):
        start = AS_OF + timedelta(hours=rng.randint(4, 24 * 7))
        slot = Slot(
            f"T{i % 200}", f"Therapist {i % 200}", f"C{i % 50:02d}", start, start, rng.choice(specialties)
        )
        freed.append(FreedSlot(f"A{i}", slot, 60))
    waiting = [
        SlotRequest(
            lead.lead_id,
            lead.clinic_id,
            lead.diagnosis_group,
            rng.choice(["morning", "afternoon", "evening", None]),
            {lead.clinic_id: rng.uniform(0, 30)},
            lead.priority_tier,
            lead.expected_value,
        )
        for lead in leads
    ]
    return freed, waiting


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--freed-slots", type=int, default=500)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    clinics = {
        f"C{i:02d}": ClinicInfo(f"C{i:02d}", f"Clinic {i}", "+15125550100", ZONES[i % 4]) for i in range(50)
    }
    ctx = EngineContext(load_sequences(ROOT / "config"), load_compliance(ROOT / "config"), clinics)
    leads = synthetic_leads(args.leads)
    touches = sum(len(lead.touches) for lead in leads)
    actions, engine_s, engine_cpu = _timed(lambda: next_actions(leads, AS_OF, ctx))
    freed, waiting = synthetic_waitlist(leads, args.freed_slots)
    names = {c: i.name for c, i in clinics.items()}
    depth = ctx.sequences.waitlist.offers_per_slot * 5
    offers, rank_s, rank_cpu = _timed(lambda: rank_offers(freed, waiting, names, depth))
    by_id = {lead.lead_id: lead for lead in leads}
    (actions, made), apply_s, apply_cpu = _timed(lambda: apply_waitlist(actions, offers, by_id, AS_OF, ctx))
    tokens, token_s, token_cpu = _timed(lambda: token_records(actions, AS_OF))
    tz = {c.clinic_id: c.timezone for c in clinics.values()}
    rows, call_list_s, call_list_cpu = _timed(lambda: build_call_list(actions, AS_OF, tz))
    total = engine_s + rank_s + apply_s + token_s + call_list_s
    result = {
        "benchmark": "actions_engine",
        "date": date.today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cores": os.cpu_count(),
        },
        "open_leads": len(leads),
        "touches": touches,
        "actions": len(actions),
        "engine_seconds": engine_s,
        "engine_cpu_seconds": engine_cpu,
        "leads_per_second": round(len(leads) / engine_s),
        "freed_slots": len(freed),
        "waitlist_rank_seconds": rank_s,
        "waitlist_rank_cpu_seconds": rank_cpu,
        "waitlist_apply_seconds": apply_s,
        "waitlist_apply_cpu_seconds": apply_cpu,
        "waitlist_offers_made": made,
        "tracking_tokens": len(tokens),
        "token_seconds": token_s,
        "call_list_rows": len(rows),
        "call_list_seconds": call_list_s,
        "call_list_cpu_seconds": call_list_cpu,
        "total_seconds": round(total, 3),
        "total_cpu_seconds": round(engine_cpu + rank_cpu + apply_cpu + token_cpu + call_list_cpu, 3),
        "target_seconds": 10.0,
        "within_target": total < 10.0,  # wall: pessimistic while other work shares the 2 cores
        "within_target_cpu": engine_cpu + rank_cpu + apply_cpu + token_cpu + call_list_cpu < 10.0,
        "channels": dict(Counter(a.channel for a in actions)),
        "rules": dict(Counter(a.rule.rsplit(":", 1)[0] for a in actions).most_common()),
    }
    suffix = f"-{args.tag}" if args.tag else ""
    out = ROOT / "benchmarks" / "results" / f"actions-{date.today().isoformat()}{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
