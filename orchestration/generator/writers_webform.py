"""The practice website's appointment-request form as JSON Lines (config/profiles/generic_webform.yaml)."""

from __future__ import annotations

from orchestration.generator.clock import iso_local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Lead
from orchestration.generator.people import format_phone, present_first, present_last

MESSAGES = (
    "",
    "",
    "",
    "Please call after 3pm",
    "Prefer mornings",
    "Is my insurance accepted?",
    "I can only do Tuesdays and Thursdays",
    "Need an appointment asap, surgeon wants me in PT this week",
    "Do you have Spanish speaking therapists?",
    "Can I get in on Saturday?",
    "Thank you!",
)
EMAIL_TYPOS = (("gmail.com", "gmial.com"), ("yahoo.com", "yaho.com"), ("hotmail.com", "hotmial.com"))


class WebformWriter:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def emit(self, lead: Lead) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        for ch, ts in lead.arrivals:
            if ch != "webforms" or ts > ctx.horizon:
                continue
            p = lead.person
            first = present_first(p.first, rng, 0.25, 0.04)
            last = present_last(p.last, rng, 0.04)
            name = f"{first} {last}"
            name = name.lower() if rng.random() < 0.08 else (name.upper() if rng.random() < 0.03 else name)
            dob = (
                ""
                if rng.random() < 0.15
                else (
                    p.dob.strftime("%m/%d/%Y")
                    if rng.random() < 0.85
                    else f"{p.dob.month}/{p.dob.day}/{p.dob.year}"
                )
            )
            email = p.email or ""
            if email and rng.random() < 0.03:
                for good, bad in EMAIL_TYPOS:
                    email = email.replace(good, bad)
            zip_code = p.zip.zip if rng.random() < 0.93 else f"{p.zip.zip}-{rng.randint(0, 9999):04d}"
            insurance = (
                ""
                if rng.random() < 0.12
                else (
                    "Not sure" if rng.random() < 0.05 else rng.choice(lead.payer.aliases or [lead.payer.name])
                )
            )
            if lead.referrer and rng.random() < 0.7:
                referred_by = rng.choice(
                    (
                        f"Dr. {lead.referrer.last}",
                        f"Dr {lead.referrer.first} {lead.referrer.last}",
                        lead.referrer.practice,
                        f"{lead.referrer.last}",
                    )
                )
            else:
                referred_by = rng.choice(("", "", "Google", "Friend", "Facebook", "Yelp", "My gym"))
            reason = lead.dx[0].lay
            if lead.post_op and lead.surgery and rng.random() < 0.6:
                reason += f", had {lead.surgery}"
            sid = f"sub_{ctx.hexid(20)}"
            ctx.sinks.jsonl(
                "webforms",
                f"webform_{ctx.month(ts)}.jsonl",
                {
                    "submission_id": sid,
                    "submitted_at": iso_local(ts, lead.clinic.timezone),
                    "name": name,
                    "date_of_birth": dob,
                    "phone": format_phone(p.phone, rng),
                    "email": email,
                    "zip": zip_code,
                    "reason": reason if rng.random() < 0.7 else reason.capitalize() + "!",
                    "insurance": insurance,
                    "member_id": (lead.member_id or "") if rng.random() < 0.45 else "",
                    "referred_by": referred_by,
                    "preferred_location": lead.clinic.name,
                    "preferred_contact": lead.preferred_contact,
                    "sms_opt_in": lead.sms_consent,
                    "email_opt_in": lead.email_consent,
                    "message": rng.choice(MESSAGES),
                },
            )
            ctx.truth.record("webforms", sid, p.person_id, lead.lead_id)
