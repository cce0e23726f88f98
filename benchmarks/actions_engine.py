"""Benchmark: next actions for N open leads (synthetic engine inputs, ~8 touches each) and their call list.

`uv run python benchmarks/actions_engine.py [--leads 100000]`; writes benchmarks/results/actions-<date>.json.
Target: 100k open leads in under 10 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from orchestration.actions.call_list import build_call_list
from orchestration.actions.engine import ClinicInfo, EngineContext, next_actions
from orchestration.actions.sequences import load_compliance, load_sequences
from orchestration.actions.timeline import LeadInput, Touch

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    clinics = {
        f"C{i:02d}": ClinicInfo(f"C{i:02d}", f"Clinic {i}", "+15125550100", ZONES[i % 4]) for i in range(50)
    }
    ctx = EngineContext(load_sequences(ROOT / "config"), load_compliance(ROOT / "config"), clinics)
    leads = synthetic_leads(args.leads)
    touches = sum(len(lead.touches) for lead in leads)
    started = time.perf_counter()
    actions = next_actions(leads, AS_OF, ctx)
    engine_s = time.perf_counter() - started
    started = time.perf_counter()
    rows = build_call_list(actions, AS_OF, {c.clinic_id: c.timezone for c in clinics.values()})
    call_list_s = time.perf_counter() - started
    result = {
        "benchmark": "actions_engine",
        "date": date.today().isoformat(),
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "open_leads": len(leads),
        "touches": touches,
        "actions": len(actions),
        "engine_seconds": round(engine_s, 3),
        "leads_per_second": round(len(leads) / engine_s),
        "call_list_rows": len(rows),
        "call_list_seconds": round(call_list_s, 3),
        "target_seconds": 10.0,
        "within_target": engine_s + call_list_s < 10.0,
        "channels": dict(Counter(a.channel for a in actions)),
        "rules": dict(Counter(a.rule.rsplit(":", 1)[0] for a in actions).most_common()),
    }
    out = ROOT / "benchmarks" / "results" / f"actions-{date.today().isoformat()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
