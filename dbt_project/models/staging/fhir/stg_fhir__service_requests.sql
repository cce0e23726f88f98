-- PT referrals (ServiceRequest) received by the run's as-of, with the primary ICD-10 code's group.
-- The SQL is a macro shared with int_leads_resolved's daily increment, which runs it over the raw rows
-- of the ids it recomputes only (macros/incremental_lead_staging_referrals.sql).
{{ stg_fhir_service_requests_sql(source('fhir', 'fhir_service_requests'), ref('stg_ref__diagnosis_groups')) }}
