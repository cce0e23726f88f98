-- Coverages with the payer text mapped to a canonical payer through the aliases in payers.yaml.
-- The SQL is a macro shared with int_leads_resolved's daily increment, which runs it over the raw rows
-- of the ids it recomputes only (macros/incremental_lead_staging_referrals.sql).
{{ stg_fhir_coverages_sql(source('fhir', 'fhir_coverages'), ref('stg_ref__payer_aliases')) }}
