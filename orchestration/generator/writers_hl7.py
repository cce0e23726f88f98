"""HL7 v2.5.1 from the EMR's interface engine: REF^I12 referrals and SIU^S12/S15/S26 scheduling.
Several messages per file, CR segment ends; some files MLLP-framed, some with a UTF-8 BOM."""

from __future__ import annotations

from orchestration.generator.clock import local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import Appt, Lead
from orchestration.generator.people import present_first, present_last
from orchestration.generator.scheduling import status_as_of

SOURCE = "hl7v2"
PER_FILE = 40
CPT = {"eval": ("97162", "PT EVAL MOD COMPLEX 30 MIN"), "visit": ("97110", "THERAPEUTIC EXERCISES")}


def esc(s: str) -> str:
    """HL7 escape of the delimiter characters in free text."""
    return (
        s.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )


class Hl7Writer:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self._buf: dict[str, list[str]] = {"REF": [], "SIU": []}
        self._files = {"REF": 0, "SIU": 0}
        self._ctrl = 0

    def _ts(self, ts: float, tz_name: str) -> str:
        return local(ts, tz_name).strftime("%Y%m%d%H%M%S%z")

    def _msh(self, app: str, fac: str, ts: float, tz_name: str, mtype: str) -> tuple[str, str]:
        self._ctrl += 1
        ctrl = f"{app[:3]}{self._ctrl:09d}"
        return (
            f"MSH|^~\\&|{app}|{esc(fac)}|PTLEADS|{esc(self.ctx.practice.raw.get('name', 'PT'))}|"
            f"{self._ts(ts, tz_name)}||{mtype}|{ctrl}|P|2.5.1|||AL|NE|USA|UNICODE UTF-8"
        ), ctrl

    def _pid(self, lead: Lead, mrn: str, authority: str) -> str:
        p, rng = lead.person, self.ctx.rng
        first = present_first(p.first, rng, 0.05, 0.02).upper()
        last = present_last(p.last, rng, 0.02).upper()
        dob = "" if rng.random() < 0.02 else p.dob.strftime("%Y%m%d")
        phone = f"^PRN^PH^^1^{p.phone[:3]}^{p.phone[3:]}"
        if p.email:
            phone += f"~^NET^Internet^{p.email}"
        return (
            f"PID|1||{mrn}^^^{esc(authority)}^MR||{esc(last)}^{esc(first)}||{dob}|{p.sex}|||"
            f"{esc(p.address)}^^{esc(p.zip.city)}^{p.zip.state}^{p.zip.zip}^USA||{phone}"
        )

    def _add(self, kind: str, segments: list[str], ctrl: str, lead: Lead) -> None:
        self._buf[kind].append("\r".join(segments) + "\r")
        self.ctx.truth.record(SOURCE, ctrl, lead.person.person_id, lead.lead_id)
        if len(self._buf[kind]) >= PER_FILE:
            self._flush(kind)

    def _flush(self, kind: str) -> None:
        msgs = self._buf[kind]
        if not msgs:
            return
        rng = self.ctx.rng
        self._files[kind] += 1
        name = f"{'REF_I12' if kind == 'REF' else 'SIU'}_{self._files[kind]:05d}.hl7"
        r = rng.random()
        if r < 0.2:
            data = b"".join(b"\x0b" + m.encode() + b"\x1c\r" for m in msgs)
        else:
            data = "".join(msgs).encode()
            if r < 0.35:
                data = b"\xef\xbb\xbf" + data
        (self.ctx.sinks.folder(SOURCE) / name).write_bytes(data)
        self.ctx.sinks._count(SOURCE)
        self._buf[kind] = []

    def close(self) -> None:
        for kind in self._buf:
            self._flush(kind)

    def emit(self, lead: Lead) -> None:
        ctx = self.ctx
        for ch, ts in lead.arrivals:
            if ch == "hl7v2" and ts <= ctx.horizon:
                self._referral(lead, ts)
        if lead.clinic.emr_feed == "hl7v2":
            for a in lead.appts:
                self._scheduling(lead, a)

    def _referral(self, lead: Lead, ts: float) -> None:
        rng, ref, tzn = self.ctx.rng, lead.referrer, lead.clinic.timezone
        assert ref is not None
        msh, ctrl = self._msh("EPIC", ref.practice, ts, tzn, "REF^I12^REF_I12")
        day = local(ts, tzn).strftime("%Y%m%d")
        ref_id = f"{rng.randint(10**7, 10**8 - 1)}"
        prio = "S^Stat^HL70280" if lead.urgent else "R^Routine^HL70280"
        segs = [
            msh,
            f"RF1|A^Accepted^HL70283|{prio}|PT^Physical therapy^HL70281||O^Outpatient^HL70284|"
            f"{ref_id}^EPIC|{day}||{day}|O^Provider Ordered^HL70336",
            f"PRD|RP^Referring Provider^HL70286|{esc(ref.last.upper())}^{esc(ref.first.upper())}^^^^"
            f"{ref.credential}|{esc(ref.address)}^^^^{ref.zip}||^WPN^PH^^1^{ref.phone[:3]}^{ref.phone[3:]}"
            f"~^WPN^FX^^1^{ref.fax[:3]}^{ref.fax[3:]}||{ref.npi}^NPI",
            f"PRD|RT^Referred to Provider^HL70286|{esc(lead.clinic.name)}|{esc(lead.clinic.address)}^^^^"
            f"{lead.clinic.zip}",
            self._pid(lead, f"E{rng.randint(10**6, 10**7 - 1)}", ref.practice),
        ]
        if lead.payer.payer_id:
            in1 = [
                "IN1",
                "1",
                "PPO" if lead.payer.tier == "high" else "",
                lead.payer.payer_id,
                esc(rng.choice(lead.payer.aliases or [lead.payer.name])),
            ] + [""] * 32
            in1[36] = lead.member_id or ""
            segs.append("|".join(in1))
        for i, d in enumerate(lead.dx, 1):
            segs.append(f"DG1|{i}||{d.code}^{esc(d.description or d.code)}^I10||{day}|W")
        per_week, weeks = lead.orders
        note = f"Eval and treat {per_week}x/week x {weeks} weeks"
        if lead.post_op and lead.surgery:
            note += f". Post-op {lead.surgery}"
            if lead.surgery_date:
                note += f" DOS {lead.surgery_date.strftime('%m/%d/%Y')}"
        segs.append(f"NTE|1||{esc(note)}")
        self._add("REF", segs, ctrl, lead)

    def _scheduling(self, lead: Lead, a: Appt) -> None:
        ctx = self.ctx
        final = status_as_of(a, ctx.horizon)
        if final is None:
            return
        events = [("S12", a.created_ts, "Booked")]
        if final == "cancelled":
            events.append(("S15", a.status_ts, "Cancelled"))
        elif final == "noshow":
            events.append(("S26", a.start_ts + ctx.rng.uniform(900, 3600), "Noshow"))
        tzn = lead.clinic.timezone
        mrn = ctx.mrn_for(lead.person)
        for code, ts, status in events:
            if ts > ctx.horizon:
                continue
            msh, ctrl = self._msh("WEBPT", lead.clinic.id, ts, tzn, f"SIU^{code}^SIU_S12")
            start, end = self._ts(a.start_ts, tzn), self._ts(a.start_ts + a.duration_min * 60, tzn)
            cpt, cpt_text = CPT[a.kind]
            atype = "EVAL^PT Evaluation" if a.kind == "eval" else "VISIT^PT Treatment"
            t = a.therapist
            tfirst, _, tlast = t.name.partition(" ")
            segs = [
                msh,
                f"SCH|{a.number}^WEBPT|{a.number}^WEBPT|||||{cpt}^{cpt_text}^CPT|{atype}|{a.duration_min}|min|"
                f"^^{a.duration_min}^{start}^{end}|||||||||||||||{status}",
                self._pid(lead, mrn, "WEBPT"),
                f"PV1|1|O|{lead.clinic.id}^^^{esc(lead.clinic.name)}",
                "RGS|1|A",
                f"AIS|1|A|{cpt}^{cpt_text}^CPT|{start}|||{a.duration_min}|min||{status}",
                f"AIL|1|A|{lead.clinic.id}^^^{esc(lead.clinic.name)}|||{start}|||{a.duration_min}|min||{status}",
                f"AIP|1|A|{t.npi}^{esc(tlast.upper())}^{esc(tfirst.upper())}|PT^Physical Therapist|||{start}"
                f"|||{a.duration_min}|min||{status}",
            ]
            self._add("SIU", segs, ctrl, lead)
