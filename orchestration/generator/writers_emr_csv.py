"""WebPT-style EMR reports: a Referral Report and an Appointment Report CSV, monthly, with their profiles."""

from __future__ import annotations

from orchestration.generator.clock import local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Lead
from orchestration.generator.people import format_phone, present_first, present_last
from orchestration.generator.scheduling import status_as_of

SOURCE = "emr_csv"
STAMP = "%m/%d/%Y %I:%M %p"
REFERRAL_COLUMNS = [
    "Referral ID",
    "Patient ID",
    "Patient First",
    "Patient Last",
    "DOB",
    "Sex",
    "Phone",
    "Email",
    "Address",
    "Zip",
    "Referral Date",
    "Referring Provider",
    "Referring NPI",
    "Referring Practice",
    "Diagnosis Codes",
    "Diagnosis",
    "Primary Insurance",
    "Member ID",
    "Clinic",
    "Post-Op",
    "Surgery Date",
    "Notes",
]
APPOINTMENT_COLUMNS = [
    "Appointment ID",
    "Patient ID",
    "Patient Name",
    "DOB",
    "Clinic",
    "Therapist",
    "Appointment Date",
    "Duration (min)",
    "Appointment Type",
    "Status",
    "Created Date",
]
# Profiles have no value map, so the report is configured to print the canonical (FHIR) words.
TYPE_WORDS = {"eval": "eval", "visit": "visit"}


class EmrCsvWriter:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self._ref_no = 50000

    def _stamp(self, ts: float) -> str:
        return local(ts, self.ctx.practice.home_tz).strftime(STAMP)

    def emit(self, lead: Lead) -> None:
        ctx = self.ctx
        for ch, ts in lead.arrivals:
            if ch == "emr_csv" and ts <= ctx.horizon:
                self._referral(lead, ts)
        if lead.clinic.emr_feed == "emr_csv":
            for a in lead.appts:
                status = status_as_of(a, ctx.horizon)
                if status is None:
                    continue
                p = lead.person
                row_id = f"A{a.number}"
                ctx.sinks.csv_row(
                    SOURCE,
                    f"Appointment_Report_{ctx.month(a.start_ts)}.csv",
                    APPOINTMENT_COLUMNS,
                    [
                        row_id,
                        ctx.mrn_for(p),
                        f"{p.first} {p.last}",
                        p.dob.strftime("%m/%d/%Y"),
                        lead.clinic.name,
                        a.therapist.name,
                        self._stamp(a.start_ts),
                        a.duration_min,
                        TYPE_WORDS[a.kind],
                        status,
                        self._stamp(a.created_ts),
                    ],
                )
                ctx.truth.record(SOURCE, row_id, p.person_id, lead.lead_id)

    def _referral(self, lead: Lead, ts: float) -> None:
        ctx, rng, p, ref = self.ctx, self.ctx.rng, lead.person, lead.referrer
        self._ref_no += 1
        row_id = f"R{self._ref_no}"
        ctx.sinks.csv_row(
            SOURCE,
            f"Referral_Report_{ctx.month(ts)}.csv",
            REFERRAL_COLUMNS,
            [
                row_id,
                ctx.mrn_for(p),
                present_first(p.first, rng, 0.05, 0.03),
                present_last(p.last, rng, 0.03),
                "" if rng.random() < 0.03 else p.dob.strftime("%m/%d/%Y"),
                p.sex,
                format_phone(p.phone, rng),
                p.email or "",
                p.address,
                p.zip.zip,
                self._stamp(ts),
                f"{ref.last}, {ref.first} {ref.credential}" if ref else "",
                ref.npi if ref else "",
                ref.practice if ref else "",
                ", ".join(lead.codes),
                lead.dx[0].description,
                rng.choice(lead.payer.aliases or [lead.payer.name]),
                lead.member_id or "",
                lead.clinic.name,
                "Yes" if lead.post_op else "No",
                lead.surgery_date.strftime("%m/%d/%Y") if lead.surgery_date else "",
                f"{lead.orders[0]}x/wk x {lead.orders[1]} wks"
                + (f"; s/p {lead.surgery}" if lead.surgery else ""),
            ],
        )
        ctx.truth.record(SOURCE, row_id, p.person_id, lead.lead_id)


REFERRAL_PROFILE = """\
# WebPT "Referral Report" (Reports > Referrals > Export CSV). Naive times are the account's local time.
name: webpt_referral_report
source: emr_csv
match: "*Referral_Report*.csv"
kind: referral
id: "Referral ID"
columns:
  first_name: "Patient First"
  last_name: "Patient Last"
  dob: "DOB"
  sex: "Sex"
  phone: "Phone"
  email: "Email"
  address: "Address"
  zip: "Zip"
  received_at: "Referral Date"
  referring_name: "Referring Provider"
  referring_npi: "Referring NPI"
  referring_practice: "Referring Practice"
  diagnosis_codes: "Diagnosis Codes"
  diagnosis_text: "Diagnosis"
  payer: "Primary Insurance"
  member_id: "Member ID"
  clinic: "Clinic"
  post_op: "Post-Op"
  surgery_date: "Surgery Date"
  notes: "Notes"
formats: {dob: "%m/%d/%Y", received_at: "%m/%d/%Y %I:%M %p", surgery_date: "%m/%d/%Y"}
timezone: TZ
"""

APPOINTMENT_PROFILE = """\
# WebPT "Appointment Report" (Reports > Scheduling > Export CSV). Naive times are the account's local time.
name: webpt_appointment_report
source: emr_csv
match: "*Appointment_Report*.csv"
kind: appointment
id: "Appointment ID"
columns:
  appointment_id: "Appointment ID"
  patient_ref: "Patient ID"
  full_name: "Patient Name"
  dob: "DOB"
  clinic: "Clinic"
  therapist: "Therapist"
  start: "Appointment Date"
  duration_min: "Duration (min)"
  type: "Appointment Type"
  status: "Status"
  created_at: "Created Date"
formats: {start: "%m/%d/%Y %I:%M %p", created_at: "%m/%d/%Y %I:%M %p", dob: "%m/%d/%Y"}
timezone: TZ
"""
