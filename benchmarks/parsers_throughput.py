"""Records/s of the pure parsers on generated files (not a test; numbers depend on the machine).

uv run python benchmarks/parsers_throughput.py [--n 100000] [--hl7-n 25000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import time
from collections.abc import Callable

from orchestration.ingest.hl7v2_parse import parse_hl7v2
from orchestration.ingest.sendgrid_parse import parse_sendgrid_events
from orchestration.ingest.twilio_parse import COLUMNS, parse_twilio_log
from orchestration.ingest.voicemail_parse import parse_voicemails
from orchestration.ingest.web_events_parse import parse_web_events

RNG = random.Random(7)
BODIES = [
    "STOP",
    "Yes",
    "Can I come Tuesday at 3?",
    "Thanks!",
    "Reminder: your PT eval is tomorrow at 9am.",
    "help",
]


def twilio_csv(n: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for i in range(n):
        inbound = RNG.random() < 0.4
        w.writerow([
            f"+1512555{i % 10000:04d}", "+15125550000", RNG.choice(BODIES),
            "received" if inbound else "delivered",
            f"2024-03-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}", "2010-04-01", "1",
            "" if RNG.random() < 0.95 else "30003", "AC" + "0" * 32, f"SM{i:032x}",
            "inbound" if inbound else "outbound-api", "-0.00790", "USD",
        ])  # fmt: skip
    return buf.getvalue().encode()


def sendgrid_lines(n: int) -> bytes:
    events = ["processed", "delivered", "open", "click", "bounce", "unsubscribe"]
    return "\n".join(
        json.dumps(
            {
                "email": f"lead{i}@example.com",
                "timestamp": 1709647331 + i,
                "event": RNG.choice(events),
                "sg_event_id": f"ev{i:012d}",
                "sg_message_id": f"msg{i // 3}.filter-1",
                "category": ["nurture", "step2"],
                "lead_id": f"L{i // 5:06d}",
                "smtp-id": f"<{i}@ismtpd>",
                "url": "https://clinic.example/book?t=x",
            }
        )
        for i in range(n)
    ).encode()


def web_lines(n: int) -> bytes:
    kinds = ["page_view", "scheduling_view", "booking_started", "booking_completed"]
    return "\n".join(
        json.dumps(
            {
                "event_id": f"w{i}",
                "ts": f"2024-03-05T14:{i % 60:02d}:11Z" if i % 2 else 1709647331 + i,
                "event": RNG.choice(kinds),
                "token": f"tk{i // 4}",
                "url": "/schedule",
            }
        )
        for i in range(n)
    ).encode()


def hl7_file(n: int) -> bytes:
    ref = (
        "MSH|^~\\&|EHR|CLINIC|PT|PTCLINIC|20240305140211-0600||REF^I12^REF_I12|R{i}|P|2.5.1\r"
        "RF1|P^Pending|R^Routine|Med|||RF{i}||20240305|20240605|||||\r"
        "PRD|RP^Referring|SMITH^JANE^^^DR|100 MAIN ST^^AUSTIN^TX^78701|||(512)555-0100|1234567893^NPI\r"
        "PID|1||MRN{i}^^^CLINIC^MR||DOE^JOHN^Q||19610303|M|||12 ELM ST^^AUSTIN^TX^78704||"
        "^PRN^PH^^^512^5550142\r"
        "DG1|1||M17.11^Primary osteoarthritis, right knee^I10\r"
        "IN1|1|BCBS^Blue Cross|84980|Blue Cross Blue Shield of Texas|||||||||||PPO" + "|" * 21 + "XYZ{i}\r"
        "NTE|1||Eval and treat 2x/week x 6 weeks\r"
    )
    siu = (
        "MSH|^~\\&|SCHED|CLINIC|PT|PTCLINIC|20240305140211||SIU^S12^SIU_S12|S{i}|P|2.5.1\r"
        "SCH|A{i}|F{i}|||||EVAL^Evaluation|NORMAL|60|min|^^60^20240312090000-0500" + "|" * 14 + "Booked\r"
        "TQ1|||||||20240312090000-0500|20240312100000-0500\r"
        "PID|1||MRN{i}^^^CLINIC^MR||DOE^JOHN||19610303|M\r"
        "RGS|1\rAIS|1||97161^PT eval^CPT|20240312090000-0500|||60|min\rAIL|1||NORTH^Gym^^North Clinic\r"
        "AIP|1||T01^LEE^ANN|PT^Physical therapist||20240312090000-0500\r"
    )
    adt = (
        "MSH|^~\\&|ADT|CLINIC|PT|PTCLINIC|20240305140211||ADT^A08^ADT_A01|A{i}|P|2.3\r"
        "EVN|A08|20240305140211\r"
        "PID|1||MRN{i}^^^CLINIC^MR||DOE^JOHN||19610303|M|||12 ELM ST^^AUSTIN^TX^78704||5125550142\r"
        "PV1|1|O\r"
    )  # fmt: skip
    templates = [ref, siu, adt]
    return "".join(templates[i % 3].replace("{i}", str(i)) for i in range(n)).encode()


def voicemail_lines(n: int) -> bytes:
    texts = [
        "hi this is john smith um dr patel sent me for my knee my number is five one two five five five "
        "oh one four two and i was born march third nineteen sixty one i have blue cross",
        "Hello, my name is Maria Lopez. I had rotator cuff surgery; my surgeon Dr. Lee referred me. "
        "Call me at 512-555-0199. DOB 3/3/61. Insurance is Aetna.",
    ]
    return "\n".join(
        json.dumps(
            {
                "call_id": f"CA{i}",
                "from": "+15125550100",
                "to": "+15125550000",
                "received_at": "2024-03-05T14:02:11Z",
                "duration_s": 40,
                "transcript": texts[i % 2],
            }
        )
        for i in range(n)
    ).encode()


def measure(name: str, data: bytes, parse: Callable, unit: str = "records") -> None:
    """Best of two runs, wall clock and this process's CPU time (the machine may be shared: CPU time is
    the fairer number then, wall time what a user waits)."""
    best_wall = best_cpu = float("inf")
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        parsed = parse(data, f"bench-{name}")
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    assert not parsed.errors, parsed.errors[:3]
    n = len(parsed.records)
    print(
        f"{name:<15} {n:>7} {unit:<8} {len(data) / 1e6:5.1f} MB"
        f"  wall {best_wall:5.2f} s {n / best_wall:>9,.0f}/s  cpu {best_cpu:5.2f} s {n / best_cpu:>9,.0f}/s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--hl7-n", type=int, default=25_000)
    ap.add_argument("--voicemail-n", type=int, default=5_000)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    measure("twilio_csv", twilio_csv(args.n), parse_twilio_log)
    measure("sendgrid_jsonl", sendgrid_lines(args.n), parse_sendgrid_events)
    measure(
        "sendgrid_array", b"[" + sendgrid_lines(args.n).replace(b"\n", b",") + b"]", parse_sendgrid_events
    )
    measure("web_jsonl", web_lines(args.n), parse_web_events)
    measure("hl7v2", hl7_file(args.hl7_n), parse_hl7v2, unit="messages")
    measure("voicemail", voicemail_lines(args.voicemail_n), parse_voicemails)


if __name__ == "__main__":
    main()
