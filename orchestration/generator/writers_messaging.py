"""Twilio message-log CSV, SendGrid Event Webhook payloads and scheduling-page web events."""

from __future__ import annotations

import base64
from typing import Any

from orchestration.generator.clock import iso_local, iso_utc
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Lead, Touch

TWILIO_COLUMNS = [
    "From",
    "To",
    "Body",
    "Status",
    "SentDate",
    "ApiVersion",
    "NumSegments",
    "ErrorCode",
    "AccountSid",
    "Sid",
    "Direction",
    "Price",
    "PriceUnit",
]
BOUNCE_REASONS = (
    ("550 5.1.1 The email account that you tried to reach does not exist.", "5.1.1", "bounce"),
    ("552 5.2.2 Mailbox full", "5.2.2", "bounce"),
    ("550 5.7.1 Message rejected due to local policy", "5.7.1", "blocked"),
)
DROP_REASONS = ("Bounced Address", "Unsubscribed Address", "Spam Reporting Address", "Invalid")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
)


def segments(body: str) -> int:
    return 1 if len(body) <= 160 else -(-len(body) // 153)


class MessagingWriter:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.account_sid = "AC" + ctx.hexid(32)

    def emit(self, lead: Lead) -> None:
        for t in lead.touches:
            if t.ts > self.ctx.horizon:
                continue
            if t.kind in ("sms_out", "sms_in", "sms_auto"):
                self._sms(lead, t)
            elif t.kind == "email":
                self._email(lead, t)
            elif t.kind == "web":
                self._web(lead, t.ts, t.result, t.token, t.url)
        if self.ctx.rng.random() < 0.05:  # organic site traffic carries no token and belongs to no one
            ts = lead.received_ts - self.ctx.rng.uniform(600, 5 * 86400)
            self._web(None, ts, "page_view", None, f"https://www.{self.ctx.domain}/")

    def _sms(self, lead: Lead, t: Touch) -> None:
        ctx = self.ctx
        clinic_no, person_no = lead.clinic.phone, f"+1{lead.person.phone}"
        inbound = t.kind == "sms_in"
        direction = "inbound" if inbound else ("outbound-reply" if t.kind == "sms_auto" else "outbound-api")
        sid = "SM" + ctx.hexid(32)
        n = segments(t.text)
        price = "" if t.result in ("failed",) else f"-{0.0079 * n:.5f}"
        ctx.sinks.csv_row(
            "sms",
            f"twilio_messages_{ctx.month(t.ts)}.csv",
            TWILIO_COLUMNS,
            [
                person_no if inbound else clinic_no,
                clinic_no if inbound else person_no,
                t.text,
                t.result,
                iso_local(t.ts, ctx.practice.home_tz),
                "2010-04-01",
                n,
                t.error_code,
                self.account_sid,
                sid,
                direction,
                price,
                "USD",
            ],
        )
        ctx.truth.record("sms", sid, lead.person.person_id, lead.lead_id)

    def _event_id(self) -> str:
        return base64.urlsafe_b64encode(self.ctx.rng.getrandbits(128).to_bytes(16, "big")).decode()[:22]

    def _email(self, lead: Lead, t: Touch) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        email = lead.person.email
        if email is None:
            return
        msg_id = f"{self._event_id()}.filterdrecv-{rng.randint(100, 999)}-{ctx.hexid(6)}-1.0"
        smtp_id = f"<{ctx.hexid(11)}.{ctx.hexid(3)}.{ctx.hexid(6)}@ismtpd-{rng.randint(1, 999)}>"
        category: Any = t.category if rng.random() < 0.5 else [t.category, f"clinic-{lead.clinic.id.lower()}"]
        ua, ip = (
            rng.choice(USER_AGENTS),
            f"{rng.randint(23, 198)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        )
        for ts, event in t.events:
            if ts > ctx.horizon:
                continue
            ev: dict[str, Any] = {
                "email": email,
                "timestamp": int(ts),
                "event": event,
                "sg_event_id": self._event_id(),
                "sg_message_id": msg_id,
                "category": category,
                "lead_id": lead.lead_id,
            }
            if event in ("processed", "delivered", "deferred", "bounce", "dropped"):
                ev["smtp-id"] = smtp_id
            if event == "delivered":
                ev["response"] = "250 2.0.0 OK"
            elif event == "deferred":
                ev["response"] = "421 4.7.0 Try again later"
                ev["attempt"] = "1"
            elif event == "bounce":
                ev["reason"], ev["status"], ev["type"] = rng.choice(BOUNCE_REASONS)
            elif event == "dropped":
                ev["reason"], ev["status"] = rng.choice(DROP_REASONS), "5.0.0"
            elif event in ("open", "click", "group_unsubscribe", "unsubscribe"):
                ev["useragent"], ev["ip"] = ua, ip
                if event == "click":
                    ev["url"] = t.url
                if event == "group_unsubscribe":
                    ev["asm_group_id"] = 10
            month = ctx.month(ts)
            # SendGrid POSTs arrays; some practices store the posts as JSON Lines. Alternate by month.
            if int(month[-2:]) % 2:
                ctx.sinks.json_array("email", f"sendgrid_events_{month}.json", ev)
            else:
                ctx.sinks.jsonl("email", f"sendgrid_events_{month}.jsonl", ev)
            ctx.truth.record("email", ev["sg_event_id"], lead.person.person_id, lead.lead_id)

    def _web(self, lead: Lead | None, ts: float, event: str, token: str | None, url: str) -> None:
        ctx = self.ctx
        if ts > ctx.horizon or ts < 0:
            return
        eid = ctx.uuid()
        ctx.sinks.jsonl(
            "web",
            f"web_events_{ctx.month(ts)}.jsonl",
            {"event_id": eid, "ts": iso_utc(ts), "event": event, "token": token, "url": url},
        )
        if lead is not None:
            ctx.truth.record("web", eid, lead.person.person_id, lead.lead_id)
