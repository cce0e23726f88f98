"""Every warehouse read of the actions engine, in one place: a column rename is a one-line fix here.

Reads contract marts (fct_leads, fct_touches, fct_appointments, dim_persons), the consent columns of
int_leads_resolved, the latest eligibility answer, the 270s already sent, ref clinics and ZIP zones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import repeat

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.actions.arrow_columns import column_values
from orchestration.actions.busy_times import BusyTimes, busy_by_therapist
from orchestration.actions.call_list import SlaCount, SlaLead
from orchestration.actions.engine import ClinicInfo
from orchestration.actions.sequences import SLA_FALLBACK_TIER
from orchestration.actions.slots import BookedSlot, SlotRequest
from orchestration.actions.timeline import Appointment, Eligibility, LeadInput, TimeOrdered, Touch
from orchestration.actions.waitlist import OTHER_CLINIC_KM, CancelledAppointment, infer_time_preference
from orchestration.lost_after import lost_after_days

# Open = new/contacted/verified, plus scheduled leads whose evaluation was a no-show and not rebooked
# (they re-enter nurturing through the no-show recovery sequence) until lost_after_days after the no-show:
# then they are lost, as a lead with nothing booked is that long after receipt. $1 = that cut-off.
LEADS_SQL = """
-- Only a lead with a recent no-show evaluation can be open through one: the other leads' evaluations
-- (most of history) would only ever meet the `last_no_show is not null` tests below as nulls, so they are
-- not grouped.
with no_show_leads as (
    select distinct lead_id from marts.fct_appointments
    where appointment_type = 'eval' and status = 'noshow' and start_at > $1
),
evals as (
    select lead_id,
        max(start_at) filter (where status = 'noshow') as last_no_show,
        max(start_at) filter (where status in ('booked', 'arrived', 'fulfilled')) as last_active
    from marts.fct_appointments
    where appointment_type = 'eval' and lead_id in (select lead_id from no_show_leads)
    group by lead_id
)
select
    l.lead_id, l.clinic_id,
    case when l.status = 'scheduled' and e.last_no_show is not null
        and (e.last_active is null or e.last_active < e.last_no_show) then 'contacted' else l.status end,
    l.priority_tier, l.received_at,
    coalesce(z.timezone, c.timezone, 'America/Chicago') as timezone,
    coalesce(l.expected_value, 0), l.score,
    coalesce(r.has_phone, false), coalesce(r.has_email, false), r.sms_consent, r.email_consent,
    l.diagnosis_group, l.payer, l.payer_tier, coalesce(l.post_op, false), p.first_name, l.distance_km,
    l.first_contact_at,
    l.status in ('new', 'contacted', 'verified') as status_open
from marts.fct_leads as l
left join intermediate.int_leads_resolved as r on l.lead_id = r.lead_id
left join marts.dim_persons as p on l.person_id = p.person_id
left join staging.stg_ref__zip_codes as z on p.zip5 = z.zip
left join ref.clinics as c on l.clinic_id = c.id
left join evals as e on l.lead_id = e.lead_id
where l.status in ('new', 'contacted', 'verified')
    or (l.status = 'scheduled' and e.last_no_show is not null
        and (e.last_active is null or e.last_active < e.last_no_show))
"""

# The timeline, appointments and 270s of the open leads alone (OPEN_IDS, registered by
# load_engine_inputs): the engine reads nothing else, and at 1M leads every lead's touches as Python
# tuples were ~9 in 10 of the read and most of the step's 7 GB. A touch belongs to one lead, so the
# filter before the window (partitioned by touch_id) keeps exactly the rows it kept after it.
OPEN_IDS = "_ptleads_open_lead_ids"

# An SMS touch reads the opt-out keyword of the newest ingested version of its message. Picked per message
# among the open leads' SMS alone (touch_id is unique in fct_touches): numbering every joined touch by
# touch_id grouped all ~10 columns of every open lead's touches (~0.25 s per 80k touches).
TOUCHES_SQL = f"""
with t as (
    select lead_id, event_at, touch_kind, direction, touch_result, source, source_record_id
    from marts.fct_touches
    where lead_id in (select lead_id from {OPEN_IDS}) and event_at <= ?
),
keywords as (
    select source_record_id, opt_keyword from raw.sms_messages
    where source_record_id in (select source_record_id from t where source = 'sms')
    qualify row_number() over (partition by source_record_id order by ingested_at desc nulls last) = 1
)
select t.lead_id, t.event_at, t.touch_kind, lower(t.direction), lower(t.touch_result), lower(k.opt_keyword),
    -- INBOUND_SQL's touch filter: what the slot offers read a time-of-day preference from
    t.touch_kind = 'web' or (t.direction = 'inbound' and t.touch_kind in ('call', 'sms')) as inbound
from t
left join keywords as k on t.source = 'sms' and t.source_record_id = k.source_record_id
"""

APPOINTMENTS_SQL = f"""
select lead_id, start_at, status, appointment_type, practitioner_id, coalesce(duration_min, 60)
from marts.fct_appointments
where start_at is not null and lead_id in (select lead_id from {OPEN_IDS})
"""

# The latest 271 answer per open lead (its trace is the lead id). The staging view picks each record's
# latest version with a window partitioned by source_record_id over every answer in history (~0.16 s of
# the read at 100k leads, growing with history); a filter on lead_id cannot pass below that window, a
# constant list of record ids does. ELIG_RECORDS_SQL lists every record with a version traced to an open
# lead (a superset of the records whose latest version is: the lead_id filter after the window decides).
ELIG_RECORDS_SQL = f"""
select distinct source_record_id from raw.eligibility_responses
where trace_id in (select lead_id from {OPEN_IDS}) and source_record_id is not null
"""

ELIG_SQL = f"""
select lead_id, active, copay, coinsurance, deductible_remaining, visit_limit, visits_used, auth_required,
    in_network, checked_at
from staging.stg_eligibility__responses
where source_record_id in $records and lead_id in (select lead_id from {OPEN_IDS}) and rejection_code is null
qualify row_number() over (partition by lead_id order by checked_at desc nulls last, event_at desc) = 1
"""

INQUIRIES_SQL = f"""
select lead_id, max(sent_at) from raw.eligibility_inquiries_sent
where lead_id in (select lead_id from {OPEN_IDS})
group by lead_id
"""


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # fetchall: DuckDB 2 keeps a half-read result open after fetchone(), and unregister() then refuses
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows[0][0])


@dataclass(frozen=True)
class EngineInputs:
    leads: list[LeadInput]
    # Per open lead (status new/contacted/verified), the touches they started by as-of: web visits,
    # inbound calls and texts (INBOUND_SQL's rows for these leads, taken from the timeline read).
    inbound: dict[str, list[datetime]]


def load_engine_inputs(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[LeadInput]:
    """Open leads with their touch timeline, appointments, eligibility and 270 state."""
    return read_engine_inputs(con, as_of).leads


_NO_ANSWER = (None,) * 9


def _latest_answers(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Open lead id (OPEN_IDS registered) -> its latest 271 answer's columns (ELIG_SQL after lead_id)."""
    if _has_table(con, "raw", "eligibility_responses"):
        records = [r[0] for r in con.execute(ELIG_RECORDS_SQL).fetchall()]
        if not records:
            return {}
        rows = con.execute(ELIG_SQL, {"records": records}).fetchall()
    else:  # no raw answers to pick records from (a hand-built warehouse): the view alone decides
        rows = con.execute(ELIG_SQL.replace("source_record_id in $records and ", "")).fetchall()
    return {row[0]: row[1:] for row in rows}


def _touches_by_lead(timeline: pa.Table) -> dict[str, TimeOrdered]:
    """TOUCHES_SQL's rows as each lead's touches in time order, ties in the order read (what a stable sort
    of each lead's list by time gave): one stable Arrow sort by (lead, time), every Touch made from the
    columns at once, each lead's run sliced out (a Python loop per touch was most of this at 1M leads).
    TimeOrdered tells summarise they need no sort of their own."""
    lead, at = timeline.column_names[:2]
    ordered = timeline.take(pc.sort_indices(timeline, [(lead, "ascending"), (at, "ascending")]))
    # one str per distinct kind, direction, result and keyword (see arrow_columns)
    values = (column_values(ordered.column(i)) for i in range(1, 6))
    made = list(map(tuple.__new__, repeat(Touch), zip(*values, strict=True)))  # Touch._make, minus a call
    runs = pc.run_end_encode(ordered.column(0).combine_chunks())
    out: dict[str, TimeOrdered] = {}
    start = 0
    for lead_id, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        out[lead_id] = TimeOrdered(made[start:end])
        start = end
    return out


def read_engine_inputs(con: duckdb.DuckDBPyConnection, as_of: datetime) -> EngineInputs:
    """Open leads with their touch timeline, appointments, eligibility and 270 state, and the inbound
    times `load_inbound_times` returns for them: at 1M leads its own query joined every touch in
    history with every lead to keep what the timeline read already holds."""
    as_of = as_of.replace(tzinfo=None)
    rows = con.execute(LEADS_SQL, [as_of - timedelta(days=lost_after_days())]).fetchall()
    con.register(OPEN_IDS, pa.table({"lead_id": pa.array([r[0] for r in rows], pa.string())}))
    try:
        timeline = con.sql(TOUCHES_SQL, params=[as_of]).to_arrow_table()
        appointment_rows = con.execute(APPOINTMENTS_SQL).fetchall()
        sent = (
            dict(con.execute(INQUIRIES_SQL).fetchall())
            if _has_table(con, "raw", "eligibility_inquiries_sent")
            else {}
        )
        answers = _latest_answers(con)
    finally:
        con.unregister(OPEN_IDS)
    status_open = {row[0] for row in rows if row[-1]}
    touches = _touches_by_lead(timeline)
    inbound: dict[str, list[datetime]] = defaultdict(list)
    started_by_lead = timeline.filter(timeline.column(6))
    for lead_id, at in zip(*(column_values(started_by_lead.column(i)) for i in (0, 1)), strict=True):
        if lead_id in status_open:
            inbound[lead_id].append(at)
    appts: dict[str, list[Appointment]] = defaultdict(list)
    for lead_id, start, status, appt_kind, therapist, minutes in appointment_rows:
        appts[lead_id].append(Appointment(start, status, appt_kind or "eval", therapist, int(minutes)))
    leads: list[LeadInput] = []
    for row in rows:
        (
            lead_id,
            clinic,
            status,
            tier,
            received,
            tz,
            value,
            score,
            phone,
            mail,
            sms_ok,
            mail_ok,
            group,
            payer,
            payer_tier,
            post_op,
            first_name,
            distance,
            first_contact,
        ) = row[:-1]
        eligibility = None
        elig = answers.get(lead_id, _NO_ANSWER)
        if elig is not _NO_ANSWER and (elig[0] is not None or any(v is not None for v in elig[1:8])):
            checked = elig[8]
            eligibility = Eligibility(
                elig[0],
                elig[1],
                elig[2],
                elig[3],
                elig[4],
                elig[5],
                elig[6],
                elig[7],
                datetime.combine(checked, datetime.min.time()) if checked is not None else None,
            )
        # positional, in LeadInput's field order (keywords took ~2.5x as long per lead)
        leads.append(
            LeadInput(
                lead_id,
                clinic,
                status,
                tier or "standard",  # priority_tier
                received,
                tz,
                float(value),  # expected_value
                score,
                phone,  # has_phone
                mail,  # has_email
                sms_ok,  # sms_consent
                mail_ok,  # email_consent
                None,  # call_consent: not in the warehouse
                group,  # diagnosis_group
                payer,
                payer_tier,
                post_op,
                first_name,
                distance,  # distance_km
                eligibility,
                sent.get(lead_id),  # inquiry_sent_at
                touches.get(lead_id, ()),
                tuple(appts.get(lead_id, ())),  # appointments
                first_contact,  # first_contact_at
            )
        )
    return EngineInputs(leads, inbound)


def load_clinics(con: duckdb.DuckDBPyConnection) -> dict[str, ClinicInfo]:
    rows = con.execute("select id, name, coalesce(phone, ''), timezone from ref.clinics").fetchall()
    return {r[0]: ClinicInfo(*r) for r in rows}


# Appointments name their therapist as the EMR knows them: a FHIR Practitioner id, an NPI (HL7 SIU) or
# a name (EMR reports). Schedules are keyed by practice.yaml therapist ids: map every form to those.
THERAPIST_KEYS_SQL = """
with therapists as (select therapist_id, lower(therapist_name) as name from staging.stg_ref__therapists),
practitioners as (
    select lower(p.practitioner_id) as practitioner_id, p.npi, t.therapist_id
    from staging.stg_fhir__practitioners as p
    inner join therapists as t on lower(p.practitioner_name) = t.name
),
keys as (
    select lower(therapist_id) as key, therapist_id from therapists
    union all
    select name, therapist_id from therapists
    union all
    select practitioner_id, therapist_id from practitioners
    union all
    select npi, therapist_id from practitioners
)
select key, min(therapist_id) as therapist_id from keys where key is not null group by key
"""

APPOINTMENT_SLOTS_SQL = f"""
with therapist_keys as ({THERAPIST_KEYS_SQL})
select a.appointment_id, k.therapist_id, a.start_at, coalesce(a.duration_min, 60)
from marts.fct_appointments as a
inner join therapist_keys as k on lower(a.practitioner_id) = k.key
where a.status = ? and a.start_at >= ?
"""


def _appointment_slots(
    con: duckdb.DuckDBPyConnection, status: str, as_of: datetime, until: datetime | None = None
) -> list[tuple[str, str, datetime, int]]:
    if not _has_table(con, "staging", "stg_fhir__practitioners"):
        return []
    params: list[object] = [status, as_of.replace(tzinfo=None)]
    if until is None:
        return con.execute(APPOINTMENT_SLOTS_SQL, params).fetchall()
    return con.execute(APPOINTMENT_SLOTS_SQL + "and a.start_at < ?", [*params, until]).fetchall()


def load_booked_slots(
    con: duckdb.DuckDBPyConnection, as_of: datetime, until: datetime | None = None
) -> list[BookedSlot]:
    """Future booked appointments on practice therapists' schedules (what open slots subtract), starting
    before `until` when given (bookings months ahead touch no slot offered in the next weeks)."""
    return [BookedSlot(t, s, int(m)) for _, t, s, m in _appointment_slots(con, "booked", as_of, until)]


BUSY_TIMES_SQL = f"""
with therapist_keys as ({THERAPIST_KEYS_SQL})
select k.therapist_id, epoch_us(a.start_at) as start_us,
    epoch_us(a.start_at) + cast(coalesce(a.duration_min, 60) as bigint) * 60000000 as end_us
from marts.fct_appointments as a
inner join therapist_keys as k on lower(a.practitioner_id) = k.key
where a.status = 'booked' and a.start_at >= ? and a.start_at < ?
"""


def load_busy_times(con: duckdb.DuckDBPyConnection, as_of: datetime, until: datetime) -> dict[str, BusyTimes]:
    """load_booked_slots(con, as_of, until) per therapist as BusyTimes (what open_slots takes off the
    schedules), from columns: no BookedSlot per booking (~145k in the next two weeks at 1M leads)."""
    if not _has_table(con, "staging", "stg_fhir__practitioners"):
        return {}
    params = [as_of.replace(tzinfo=None), until.replace(tzinfo=None)]
    return busy_by_therapist(con.sql(BUSY_TIMES_SQL, params=params).to_arrow_table())


def load_cancelled_appointments(
    con: duckdb.DuckDBPyConnection, as_of: datetime
) -> list[CancelledAppointment]:
    """Future appointments known cancelled by as-of, on practice therapists' schedules."""
    rows = _appointment_slots(con, "cancelled", as_of)
    return [CancelledAppointment(a, t, s, int(m)) for a, t, s, m in rows]


WAITLIST_SQL = """
with views as (
    select lead_id, count(*) as views from marts.fct_touches
    where touch_kind = 'web' and lower(touch_result) = 'scheduling_view' and event_at <= ?
    group by lead_id
)
select l.lead_id, l.clinic_id, l.diagnosis_group, coalesce(l.priority_tier, 'standard'),
    coalesce(l.expected_value, 0), z.lat, z.lon, coalesce(z.timezone, c.timezone, 'America/Chicago'),
    coalesce(v.views, 0)
from marts.fct_leads as l
left join marts.dim_persons as p on l.person_id = p.person_id
left join staging.stg_ref__zip_codes as z on p.zip5 = z.zip
left join ref.clinics as c on l.clinic_id = c.id
left join views as v on l.lead_id = v.lead_id
where l.status in ('new', 'contacted', 'verified')
order by l.received_at, l.lead_id
"""

INBOUND_SQL = """
select t.lead_id, t.event_at from marts.fct_touches as t
inner join marts.fct_leads as l on t.lead_id = l.lead_id and l.status in ('new', 'contacted', 'verified')
where t.event_at <= ?
    and (t.touch_kind = 'web' or (t.direction = 'inbound' and t.touch_kind in ('call', 'sms')))
"""


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def load_inbound_times(con: duckdb.DuckDBPyConnection, as_of: datetime) -> dict[str, list[datetime]]:
    """Per open lead, when they reached out themselves (web visits, inbound calls and texts) by as-of:
    what `infer_time_preference` reads a time-of-day preference from."""
    inbound: dict[str, list[datetime]] = defaultdict(list)
    for lead_id, at in con.execute(INBOUND_SQL, [as_of.replace(tzinfo=None)]).fetchall():
        inbound[lead_id].append(at)
    return inbound


def load_waitlist_candidates(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    all_open_leads: bool,
    specialties: Mapping[str, str] | None = None,
) -> list[SlotRequest]:
    """Open leads waiting for a slot (all, or those who viewed the scheduling page), first come first:
    distance to every clinic from their ZIP, time-of-day preference from the touches they started, the
    wanted specialty from `specialties` (group -> specialty; the default mapping when absent)."""
    as_of = as_of.replace(tzinfo=None)
    clinics = con.execute("select id, lat, lon from ref.clinics where lat is not null").fetchall()
    inbound = load_inbound_times(con, as_of)
    out: list[SlotRequest] = []
    for lead_id, clinic, group, tier, value, lat, lon, tz, views in con.execute(
        WAITLIST_SQL, [as_of]
    ).fetchall():
        if not all_open_leads and views == 0:
            continue
        # Only clinics nearer than the waitlist's "far" distance: farther ones all rank as equally far.
        distances = None
        if lat is not None:
            distances = {
                c: d
                for c, clat, clon in clinics
                if (d := _km(lat, lon, clat, clon)) < OTHER_CLINIC_KM or c == clinic
            }
        out.append(
            SlotRequest(
                lead_id,
                clinic,
                diagnosis_group=group,
                time_preference=infer_time_preference(inbound.get(lead_id, ()), tz),
                distance_km_by_clinic=distances,
                priority_tier=tier,
                expected_value=float(value),
                specialty=(specialties or {}).get(group or ""),
            )
        )
    return out


SLA_TARGETS = "_ptleads_sla_targets"
SLA_COUNTS_SQL = f"""
with leads as (
    select coalesce(nullif(clinic_id, ''), 'unknown') as clinic_id,
        coalesce(priority_tier, 'standard') as tier, epoch_us(received_at) as received_us,
        epoch_us(first_contact_at) - epoch_us(received_at) as contact_us
    from marts.fct_leads where received_at is not null
)
select l.clinic_id, l.tier, count(*),
    count(*) filter (where l.received_us + t.target_us <= $as_of_us),
    count(*) filter (where l.received_us + t.target_us <= $as_of_us and l.contact_us <= t.target_us)
from leads as l inner join {SLA_TARGETS} as t on l.tier = t.tier
group by l.clinic_id, l.tier
"""


def load_sla_counts(
    con: duckdb.DuckDBPyConnection, as_of: datetime, targets: Mapping[str, timedelta]
) -> list[SlaCount]:
    """Per clinic and tier: leads, leads due (target passed by as-of), first contacted within the target.
    A tier without a target is held to the fallback tier's (dropped when there is none), as in
    `sla_metrics`; microseconds throughout, as Python's timedelta compares."""
    tiers = [
        r[0]
        for r in con.execute(
            "select distinct coalesce(priority_tier, 'standard') from marts.fct_leads "
            "where received_at is not null"
        ).fetchall()
    ]
    fallback = targets.get(SLA_FALLBACK_TIER)
    resolved = {t: targets.get(t, fallback) for t in tiers}
    known = {t: v for t, v in resolved.items() if v is not None}
    micros = [v // timedelta(microseconds=1) for v in known.values()]
    con.register(SLA_TARGETS, pa.table({"tier": list(known), "target_us": pa.array(micros, pa.int64())}))
    try:
        as_of_us = (as_of.replace(tzinfo=None) - datetime(1970, 1, 1)) // timedelta(microseconds=1)
        rows = con.execute(SLA_COUNTS_SQL, {"as_of_us": as_of_us}).fetchall()
    finally:
        con.unregister(SLA_TARGETS)
    return [SlaCount(*r) for r in rows]


def load_sla_leads(con: duckdb.DuckDBPyConnection) -> list[SlaLead]:
    rows = con.execute(
        "select lead_id, coalesce(priority_tier, 'standard'), received_at, first_contact_at, clinic_id "
        "from marts.fct_leads where received_at is not null"
    ).fetchall()
    return [SlaLead(*r) for r in rows]
