"""`ptleads generate`: a synthetic PT practice in the exact inbox formats of CONTRACTS.md, with ground truth.

Deterministic per seed (one random stream, no wall clock); leads are produced and written one at a time,
so memory stays bounded at any lead count.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from orchestration.generator.clock import at_local
from orchestration.generator.context import Ctx
from orchestration.generator.episodes import EpisodeMaker
from orchestration.generator.file_sinks import Sinks
from orchestration.generator.people import PeopleFactory
from orchestration.generator.practice import build_practice, write_config
from orchestration.generator.scheduling import book_appointments, plan_attempts, schedule
from orchestration.generator.touches import TouchMaker, practice_domain
from orchestration.generator.truth import Truth
from orchestration.generator.writers_eligibility import EligibilityWriter, load_writer
from orchestration.generator.writers_emr_csv import APPOINTMENT_PROFILE, REFERRAL_PROFILE, EmrCsvWriter
from orchestration.generator.writers_fax import FaxWriter, load_renderer
from orchestration.generator.writers_fhir import FhirWriter
from orchestration.generator.writers_hl7 import Hl7Writer
from orchestration.generator.writers_messaging import MessagingWriter
from orchestration.generator.writers_phone import CALL_LOG_PROFILE, PhoneWriter
from orchestration.generator.writers_webform import WebformWriter

__all__ = ["generate", "profiles_for"]

SOURCES = (
    "fhir",
    "fax",
    "webforms",
    "calls",
    "sms",
    "email",
    "web",
    "hl7v2",
    "emr_csv",
    "eligibility",
    "outcomes",
)
FAX_SHARE = 0.25  # default fax image cap as a share of leads (rendering is the slow part)


def profiles_for(home_tz: str) -> dict[str, str]:
    """Mapping profiles for the vendor files this generator writes, for the practice's home time zone."""
    return {
        "ringcentral_call_log.yaml": CALL_LOG_PROFILE.replace("TZ", home_tz),
        "webpt_referral_report.yaml": REFERRAL_PROFILE.replace("TZ", home_tz),
        "webpt_appointment_report.yaml": APPOINTMENT_PROFILE.replace("TZ", home_tz),
    }


def generate(
    out_dir: Path,
    seed: int,
    n_leads: int,
    months: int,
    n_clinics: int,
    end: date,
    max_faxes: int | None,
    base_config: Path,
    progress: Callable[[str], None],
) -> str:
    if n_leads < 1 or months < 1 or n_clinics < 1:
        raise ValueError("leads, months and clinics must be at least 1")
    t_start = time.perf_counter()
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    inbox, truth_dir = out_dir / "inbox", out_dir / "truth"
    for s in SOURCES:
        (inbox / s).mkdir(parents=True, exist_ok=True)

    practice = build_practice(Path(base_config), n_clinics, n_leads, rng)
    write_config(practice, Path(base_config), out_dir / "config", profiles_for(practice.home_tz))
    progress(
        f"practice: {len(practice.clinics)} clinics, {len(practice.therapists)} therapists, "
        f"{len(practice.referrers)} referrers"
    )

    renderer = load_renderer()
    if max_faxes is None:
        max_faxes = min(int(n_leads * FAX_SHARE), 300)
    if renderer is None and max_faxes > 0:
        progress(
            "warning: orchestration.generator.fax_render is missing; writing no faxes "
            "(fax referrals arrive electronically instead)"
        )
        max_faxes = 0
    write_271 = load_writer()
    if write_271 is None:
        progress("warning: orchestration.x12.x12_271_write is missing; writing no eligibility 271 files")

    home_tz = practice.home_tz
    start_day = end - timedelta(days=round(months * 30.44))
    start_ts = at_local(start_day, 0, home_tz)
    horizon = at_local(end, 24 * 60 - 1, home_tz) + 59
    people = PeopleFactory(practice, rng)
    maker = EpisodeMaker(
        practice,
        people,
        rng,
        start_ts,
        horizon,
        n_leads,
        max_faxes=max_faxes,
    )
    sinks = Sinks(inbox)
    truth = Truth(truth_dir)
    ctx = Ctx(sinks, truth, rng, practice, maker, horizon, practice_domain(practice))
    fhir = FhirWriter(ctx, mrn_system=f"https://{ctx.domain}/mrn")
    fhir.write_practice()
    hl7 = Hl7Writer(ctx)
    elig = EligibilityWriter(ctx, write_271)
    fax = FaxWriter(ctx, renderer)
    writers = [
        fhir,
        fax,
        WebformWriter(ctx),
        PhoneWriter(ctx),
        MessagingWriter(ctx),
        hl7,
        EmrCsvWriter(ctx),
        elig,
    ]
    touch_maker = TouchMaker(practice, rng)
    step = max(1000, n_leads // 20)
    try:
        for i in range(n_leads):
            lead = maker.make(i)
            attempts = schedule(lead, plan_attempts(lead, rng), rng)
            state = touch_maker.realize(lead, attempts)
            book_appointments(lead, maker, rng)
            touch_maker.reminders(lead, state)
            truth.person(lead.person)
            for w in writers:
                w.emit(lead)
            truth.lead(lead)
            if (i + 1) % step == 0:
                progress(f"{i + 1}/{n_leads} leads ({(i + 1) / (time.perf_counter() - t_start):.0f} leads/s)")
        hl7.close()
        elig.flush()
    finally:
        sinks.close()
        truth.close()
    secs = time.perf_counter() - t_start
    lines = [
        f"generated {n_leads} leads for {len(practice.clinics)} clinics into {out_dir} in {secs:.1f}s "
        f"(seed {seed}); converted {truth.converted / max(1, truth.leads):.1%}"
    ]
    for s in SOURCES:
        lines.append(
            f"  {s:12s} files={sinks.files_written.get(s, 0):6d} records={truth.record_counts.get(s, 0)}"
        )
    return "\n".join(lines)
