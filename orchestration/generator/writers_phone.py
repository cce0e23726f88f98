"""Phone-system call log (RingCentral-style CSV) and voicemail transcripts (JSON Lines)."""

from __future__ import annotations

import random
from datetime import date

from orchestration.generator.clock import iso_local, local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Lead
from orchestration.generator.people import nicknames_of, typo

CALL_COLUMNS = ["Call ID", "Start Time", "Direction", "From", "To", "Duration", "Result", "Extension"]
START_FORMAT = "%m/%d/%Y %I:%M:%S %p"  # naive local time of the phone system's account
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ORD = (
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty first",
    "twenty second",
    "twenty third",
    "twenty fourth",
    "twenty fifth",
    "twenty sixth",
    "twenty seventh",
    "twenty eighth",
    "twenty ninth",
    "thirtieth",
    "thirty first",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)


def two_digits(n: int) -> str:
    if n < 10:
        return f"oh {DIGITS[n]}"
    if n < 20:
        return TEENS[n - 10]
    return TENS[n // 10] + ("" if n % 10 == 0 else f" {DIGITS[n % 10]}")


def spoken_year(y: int) -> str:
    if 2000 <= y < 2010:
        return f"two thousand {DIGITS[y - 2000]}" if y > 2000 else "two thousand"
    return f"{two_digits(y // 100)} {two_digits(y % 100)}"


def spoken_dob(d: date, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.45:
        return f"{MONTHS[d.month - 1]} {ORD[d.day]}, {spoken_year(d.year)}"
    if style < 0.7:
        return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    if style < 0.9:
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    return f"{d.month} {d.day} {d.year}"


def spoken_phone(digits: str, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.45:
        words = [DIGITS[int(c)] for c in digits]
        return " ".join(words[:3]) + ", " + " ".join(words[3:6]) + ", " + " ".join(words[6:])
    if style < 0.8:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}"


def transcript(lead: Lead, callback: str, rng: random.Random) -> str:
    p = lead.person
    first = rng.choice(nicknames_of(p.first)) if rng.random() < 0.25 and nicknames_of(p.first) else p.first
    last = typo(p.last, rng) if rng.random() < 0.1 else p.last  # speech-to-text mishears
    parts = [rng.choice(("Hi", "Hello", "Hey", "Yes hi", "Good morning", "Hi there", "Um hi"))]
    parts.append(
        rng.choice(
            (
                f"this is {first} {last}",
                f"my name is {first} {last}",
                f"it's {first} {last}",
                f"this is {first} calling, last name {last}",
            )
        )
    )
    if rng.random() < 0.2:
        parts.append("that's " + "-".join(last.upper().replace(" ", "")))
    dx = lead.dx[0]
    if lead.referrer and rng.random() < 0.75:
        doc = f"Doctor {lead.referrer.last}"
        parts.append(
            rng.choice(
                (
                    f"I was referred by {doc} for {dx.lay}",
                    f"{doc}'s office sent over a referral for my {dx.body}",
                    f"my doctor, {doc}, said I need physical therapy for {dx.lay}",
                )
            )
        )
    else:
        parts.append(
            rng.choice(
                (
                    f"I'm calling about {dx.lay}",
                    f"I'd like to set up therapy for my {dx.body}",
                    f"I wanted to see about an appointment for {dx.lay}",
                )
            )
        )
    if lead.post_op and lead.surgery and rng.random() < 0.7:
        parts.append(f"I had {rng.choice(('a', 'my'))} {lead.surgery} a couple weeks ago")
    if rng.random() < 0.6:
        parts.append(f"my date of birth is {spoken_dob(p.dob, rng)}")
    if lead.payer.payer_id and rng.random() < 0.55:
        parts.append(f"I have {rng.choice(lead.payer.aliases or [lead.payer.name])}")
    if rng.random() < 0.85:
        parts.append(
            rng.choice(("you can reach me at", "my number is", "call me back at", "best number is"))
            + " "
            + spoken_phone(callback, rng)
        )
    parts.append(
        rng.choice(("thank you", "thanks bye", "thanks, talk to you soon", "okay bye", "thank you so much"))
    )
    text = ". ".join(parts) + "."
    if rng.random() < 0.3:
        text = text.lower().replace(".", "")
    return text


class PhoneWriter:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def _row(self, lead: Lead, ts: float, inbound: bool, other: str, duration: int, result: str) -> str:
        ctx = self.ctx
        call_id = f"{ctx.rng.getrandbits(60):015X}"
        clinic = lead.clinic
        ci = ctx.practice.clinics.index(clinic) if len(ctx.practice.clinics) < 50 else 0
        ext = "100" if inbound and result != "Accepted" else f"{(ci % 9) + 1}{ctx.rng.randint(1, 12):02d}"
        clinic_no = _pretty(clinic.phone[-10:])
        ctx.sinks.csv_row(
            "calls",
            f"call_log_{ctx.month(ts)}.csv",
            CALL_COLUMNS,
            [
                call_id,
                local(ts, ctx.practice.home_tz).strftime(START_FORMAT),
                "Inbound" if inbound else "Outbound",
                _pretty(other) if inbound else clinic_no,
                clinic_no if inbound else _pretty(other),
                f"{duration // 3600}:{duration // 60 % 60:02d}:{duration % 60:02d}",
                result,
                ext,
            ],
        )
        ctx.truth.record("calls", call_id, lead.person.person_id, lead.lead_id)
        return call_id

    def emit(self, lead: Lead) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        for ch, ts in lead.arrivals:
            if ch != "calls" or ts > ctx.horizon:
                continue
            callback = caller = lead.person.phone
            if rng.random() < 0.08:  # calls from work; leaves the number on file to call back
                caller = f"{caller[:3]}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
            duration = rng.randint(18, 140)
            call_id = self._row(lead, ts, True, caller, duration, "Voicemail")
            ctx.sinks.jsonl(
                "calls",
                f"voicemail_{ctx.month(ts)}.jsonl",
                {
                    "call_id": call_id,
                    "from": f"+1{caller}",
                    "to": lead.clinic.phone,
                    "received_at": iso_local(ts, lead.clinic.timezone),
                    "duration_s": duration,
                    "transcript": transcript(lead, callback, rng),
                },
            )
        for t in lead.touches:
            if t.ts > ctx.horizon:
                continue
            if t.kind == "call_out":
                self._row(lead, t.ts, False, lead.person.phone, t.duration_s, t.result)
            elif t.kind == "call_in":
                self._row(
                    lead,
                    t.ts,
                    True,
                    lead.person.phone,
                    t.duration_s if t.result == "Accepted" else 0,
                    t.result,
                )


def _pretty(digits10: str) -> str:
    return f"({digits10[:3]}) {digits10[3:6]}-{digits10[6:]}"


CALL_LOG_PROFILE = """\
# RingCentral-style call log export (Admin Portal > Call Log > Export). Times are the account's local time.
name: ringcentral_call_log
source: calls
match: "call_log*.csv"
kind: call_log
id: "Call ID"
columns:
  call_id: "Call ID"
  started_at: "Start Time"
  direction: "Direction"
  from: "From"
  to: "To"
  duration: "Duration"
  result: "Result"
  extension: "Extension"
formats: {started_at: "%m/%d/%Y %I:%M:%S %p", duration: "%H:%M:%S"}
timezone: TZ
"""
