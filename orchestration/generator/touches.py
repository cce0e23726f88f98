"""Touches between staff and a lead: calls, texts (with STOP/START), emails (with SendGrid events) and the
web visits their tracked links produce. Engagement depends on the latent p_convert, never on the outcome
draw, so pre-booking touches carry signal without leaking the label."""

from __future__ import annotations

import math
import random
import re

from orchestration.generator.episodes import DAY, Lead, Touch
from orchestration.generator.practice import Practice

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
STOP_WORDS = ("STOP", "Stop", "stop", "UNSUBSCRIBE", "STOPALL", "Cancel")
TWILIO_STOP_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from this "
    "number. Reply START to resubscribe."
)
TWILIO_START_REPLY = (
    "You have successfully been re-subscribed to messages from this number. Reply HELP for help."
)
REPLIES = (
    "Yes please call me",
    "What times do you have this week?",
    "Is this covered by my insurance?",
    "Who is this?",
    "Can you call after 5?",
    "ok",
    "Yes",
    "I already have a PT, thanks",
    "Can I come in Tuesday morning?",
    "call me back pls",
    "How much is the copay?",
    "Thanks!",
)


def practice_domain(practice: Practice) -> str:
    name = str(practice.raw.get("name", "Physical Therapy"))
    words = re.sub(r"[^A-Za-z ]", "", name).lower().split()
    stem = "".join(w for w in words if w not in ("physical", "therapy"))
    return f"{stem or 'clinic'}pt.com"


def token(rng: random.Random) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(10))


class TouchMaker:
    def __init__(self, practice: Practice, rng: random.Random) -> None:
        self.practice, self.rng = practice, rng
        self.domain = practice_domain(practice)

    def link(self, tok: str, medium: str) -> str:
        return f"https://www.{self.domain}/schedule?t={tok}&utm_source={medium}"

    def realize(self, lead: Lead, attempts: list[tuple[float, str]]) -> dict[str, bool]:
        """Touches up to booking; returns the opt-out state that later reminders must respect."""
        p = lead.p_convert
        state = {"sms_stopped": False, "email_dead": False, "booked": False}
        # Attempts were cut at booking, so the last one is the one that booked (by phone or tracked link).
        booking_attempt = (
            len(attempts) - 1 if lead.booking_path in ("phone_out", "web") and attempts else None
        )
        for k, (t, kind) in enumerate(attempts):
            books = k == booking_attempt
            if kind == "sms_out" and not state["sms_stopped"]:
                self._sms_out(lead, t, state, books and lead.booking_path == "web", p)
            elif kind == "email" and not state["email_dead"]:
                self._email(lead, t, state, books and lead.booking_path == "web", p)
            else:
                self._call_out(lead, t, books and lead.booking_path == "phone_out", p)
                state["booked"] |= books and lead.booking_path == "phone_out"
        if lead.scheduled_ts is not None:
            if not state["booked"]:  # link undelivered or no attempt: the patient phoned in to book
                lead.booking_path = "phone_in"
                lead.touches.append(
                    Touch(
                        lead.scheduled_ts - self.rng.randint(240, 720),
                        "call_in",
                        "Accepted",
                        self.rng.randint(240, 720),
                    )
                )
            if can_email_now(lead, state):
                self._email(
                    lead,
                    lead.scheduled_ts + self.rng.uniform(30, 600),
                    state,
                    False,
                    0.9,
                    category="appointment_confirmation",
                )
        return state

    # ---- calls -------------------------------------------------------------------------------------
    def _call_out(self, lead: Lead, t: float, books: bool, p: float) -> None:
        rng = self.rng
        if books:
            lead.touches.append(Touch(t, "call_out", "Call connected", rng.randint(240, 900)))
            return
        r = rng.random()
        connect = 0.15 + 0.25 * p
        if r < connect:
            lead.touches.append(Touch(t, "call_out", "Call connected", rng.randint(45, 420)))
        elif r < connect + 0.05:
            lead.touches.append(Touch(t, "call_out", "Busy", 0))
        elif r < 0.62:
            lead.touches.append(Touch(t, "call_out", "Voicemail", rng.randint(25, 70)))
        else:
            lead.touches.append(Touch(t, "call_out", "No Answer", rng.randint(20, 40)))
        if rng.random() < 0.12 + 0.2 * p:  # patient calls back, reaches the front desk
            back = t + rng.lognormvariate(math.log(4 * 3600), 1.0)
            lead.touches.append(
                Touch(back, "call_in", rng.choice(("Accepted", "Accepted", "Missed")), rng.randint(30, 400))
            )

    # ---- SMS ---------------------------------------------------------------------------------------
    def _sms_out(self, lead: Lead, t: float, state: dict, books: bool, p: float) -> None:
        rng = self.rng
        tok = token(rng)
        c = lead.clinic
        who = f"Dr. {lead.referrer.last}" if lead.referrer else "you"
        first = lead.person.first
        body = rng.choice(
            (
                f"Hi {first}, this is {c.name} Physical Therapy. We received your referral from {who}. "
                f"Book your evaluation here: {self.link(tok, 'sms')} or call us. Reply STOP to opt out.",
                f"{c.name} PT: Hi {first}! Ready to schedule your first visit? Pick a time: "
                f"{self.link(tok, 'sms')} Reply STOP to stop.",
                f"Hi {first}, following up from {c.name} Physical Therapy about getting you scheduled. "
                f"{self.link(tok, 'sms')} Msg&data rates may apply. Reply STOP to opt out.",
            )
        )
        r = rng.random()
        if lead.person.line_type == "landline":
            status, err = "undelivered", "30006"
        elif r < 0.02:
            status, err = "undelivered", "30003"
        elif r < 0.03:
            status, err = "failed", "30005"
        else:
            status, err = "delivered", ""
        lead.touches.append(Touch(t, "sms_out", status, text=body, token=tok, error_code=err))
        if status != "delivered":
            return
        if books and lead.scheduled_ts is not None:
            self._web_visit(lead, lead.scheduled_ts - 240, tok, "sms", book=True)
            state["booked"] = True
            return
        if rng.random() < 0.15 + 0.25 * p:
            self._web_visit(lead, t + rng.uniform(60, 6 * 3600), tok, "sms", book=False)
        r = rng.random()
        if r < 0.035:
            tr = t + rng.uniform(30, 4 * 3600)
            lead.touches.append(Touch(tr, "sms_in", "received", text=rng.choice(STOP_WORDS)))
            lead.touches.append(Touch(tr + 1, "sms_auto", "delivered", text=TWILIO_STOP_REPLY))
            state["sms_stopped"] = True
            if rng.random() < 0.12:
                ts = tr + rng.uniform(1, 20) * DAY
                lead.touches.append(Touch(ts, "sms_in", "received", text="START"))
                lead.touches.append(Touch(ts + 1, "sms_auto", "delivered", text=TWILIO_START_REPLY))
                state["sms_stopped"] = False
        elif r < 0.035 + 0.1 + 0.3 * p:
            lead.touches.append(
                Touch(
                    t + rng.lognormvariate(math.log(1800), 1.3),
                    "sms_in",
                    "received",
                    text=rng.choice(REPLIES),
                )
            )

    # ---- email -------------------------------------------------------------------------------------
    def _email(
        self, lead: Lead, t: float, state: dict, books: bool, p: float, category: str = "nurture"
    ) -> None:
        rng = self.rng
        tok = token(rng)
        ev: list[tuple[float, str]] = [(t, "processed")]
        url = self.link(tok, "email")
        r = rng.random()
        if r < 0.03:
            ev.append((t + rng.uniform(1, 30), "bounce"))
            state["email_dead"] = True
        elif r < 0.036:  # suppressed by SendGrid before sending (an earlier bounce or spam report elsewhere)
            ev.append((t + rng.uniform(0, 2), "dropped"))
            state["email_dead"] = True
        elif r < 0.056:
            ev.append((t + rng.uniform(1, 600), "deferred"))
            ev.append((t + rng.uniform(600, 7200), "delivered"))
        else:
            ev.append((t + rng.uniform(1, 20), "delivered"))
        delivered = ev[-1][1] == "delivered"
        books = books and delivered and lead.scheduled_ts is not None
        if delivered and (books or rng.random() < 0.3 + 0.35 * p):
            t_open = ev[-1][0] + rng.lognormvariate(math.log(3600), 1.4)
            if books and lead.scheduled_ts is not None:
                t_open = max(ev[-1][0] + 5, lead.scheduled_ts - 600)
            ev.append((t_open, "open"))
            if rng.random() < 0.3:
                ev.append((t_open + rng.uniform(3600, 2 * DAY), "open"))
            if books and lead.scheduled_ts is not None:
                ev.append((lead.scheduled_ts - 241, "click"))
                self._web_visit(lead, lead.scheduled_ts - 240, tok, "email", book=True)
                state["booked"] = True
            elif rng.random() < 0.3 + 0.3 * p:
                t_click = t_open + rng.uniform(5, 300)
                ev.append((t_click, "click"))
                self._web_visit(lead, t_click + 1, tok, "email", book=False)
            x = rng.random()
            if x < 0.015:
                ev.append((t_open + 20, "unsubscribe"))
                state["email_dead"] = True
            elif x < 0.022:
                ev.append((t_open + 20, "group_unsubscribe"))
                state["email_dead"] = True
            elif x < 0.025:
                ev.append((t_open + 20, "spamreport"))
                state["email_dead"] = True
        lead.touches.append(Touch(t, "email", "sent", token=tok, events=ev, url=url, category=category))

    # ---- web ---------------------------------------------------------------------------------------
    def _web_visit(self, lead: Lead, t: float, tok: str, medium: str, book: bool) -> None:
        rng = self.rng
        url = self.link(tok, medium)
        lead.touches.append(Touch(t, "web", "page_view", token=tok, url=url))
        if book or rng.random() < 0.55:
            t += rng.uniform(5, 90)
            lead.touches.append(
                Touch(
                    t,
                    "web",
                    "scheduling_view",
                    token=tok,
                    url=f"https://www.{self.domain}/schedule/{lead.clinic.id.lower()}?t={tok}",
                )
            )
            if book or rng.random() < 0.25:
                t += rng.uniform(10, 120)
                lead.touches.append(
                    Touch(
                        t,
                        "web",
                        "booking_started",
                        token=tok,
                        url=f"https://www.{self.domain}/schedule/book?t={tok}",
                    )
                )
        if book and lead.scheduled_ts is not None:
            lead.touches.append(
                Touch(
                    lead.scheduled_ts,
                    "web",
                    "booking_completed",
                    token=tok,
                    url=f"https://www.{self.domain}/schedule/confirmed?t={tok}",
                )
            )

    # ---- after booking -----------------------------------------------------------------------------
    def reminders(self, lead: Lead, state: dict[str, bool]) -> None:
        """Text reminders the day before each evaluation, with confirmations."""
        rng = self.rng
        for a in lead.appts:
            if a.kind != "eval" or a.created_ts > a.start_ts - DAY:
                continue
            if lead.person.line_type == "mobile" and lead.sms_consent and not state["sms_stopped"]:
                when = a.start_ts - DAY + rng.uniform(-1800, 1800)
                body = (
                    f"Reminder: your evaluation at {lead.clinic.name} Physical Therapy is tomorrow at "
                    f"{_clock(a.start_ts, lead)}. Reply C to confirm or call us to reschedule."
                )
                lead.touches.append(Touch(when, "sms_out", "delivered", text=body))
                if rng.random() < 0.55:
                    lead.touches.append(
                        Touch(
                            when + rng.uniform(60, 7200),
                            "sms_in",
                            "received",
                            text=rng.choice(("C", "c", "Confirm", "Yes", "C thanks")),
                        )
                    )
        lead.touches.sort(key=lambda x: x.ts)


def can_email_now(lead: Lead, state: dict) -> bool:
    return lead.person.email is not None and not state["email_dead"]


def _clock(ts: float, lead: Lead) -> str:
    from orchestration.generator.clock import local

    return local(ts, lead.clinic.timezone).strftime("%-I:%M %p")
