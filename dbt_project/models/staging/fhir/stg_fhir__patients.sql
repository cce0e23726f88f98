-- One row per FHIR Patient (the latest version when an export repeats it), normalised for matching.
-- The SQL is a macro shared with int_leads_resolved's daily increment, which runs it over the raw rows
-- of the ids it recomputes only (macros/incremental_lead_staging_referrals.sql).
{{ stg_fhir_patients_sql(source('fhir', 'fhir_patients'), ref('stg_ref__zip_codes')) }}
