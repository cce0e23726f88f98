-- Web-form requests received by the run's as-of, normalised like every other person-bearing record.
-- The SQL is a macro shared with int_leads_resolved's daily increment, which runs it over the raw rows
-- of the ids it recomputes only (macros/incremental_lead_staging_referrals.sql).
{{ stg_webforms_submissions_sql(
    source('webforms', 'webforms_submissions'),
    ref('stg_ref__diagnosis_groups'),
    ref('stg_ref__payer_aliases'),
    ref('stg_ref__clinics'),
    ref('stg_ref__zip_codes'),
) }}
