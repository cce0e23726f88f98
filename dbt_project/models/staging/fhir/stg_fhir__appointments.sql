-- Appointments known by the run's as-of. An outcome (fulfilled, no-show) of an appointment that starts
-- after the as-of cannot be known yet, so it reads as booked. The SQL is a macro shared with the lead
-- models' daily increments, which run it over the raw rows of the ids they recompute only
-- (macros/incremental_lead_staging.sql).
{{ stg_fhir_appointments_sql(source('fhir', 'fhir_appointments')) }}
