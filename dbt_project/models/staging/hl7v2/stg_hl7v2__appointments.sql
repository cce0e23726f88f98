-- SIU scheduling messages known by the run's as-of: one row per message (an appointment's history is
-- its messages in order). Outcomes of appointments that start after as-of read as booked. The SQL is a
-- macro shared with the lead models' daily increments, which run it over the raw rows of the ids they
-- recompute only (macros/incremental_lead_staging.sql).
{{ stg_hl7v2_appointments_sql(source('hl7v2', 'hl7v2_appointments'), ref('stg_ref__clinics')) }}
