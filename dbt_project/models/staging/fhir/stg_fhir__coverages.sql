-- Coverages with the payer text mapped to a canonical payer through the aliases in payers.yaml.
with latest as (
    select *
    from {{ source('fhir', 'fhir_coverages') }}
    qualify row_number() over (
        partition by source_record_id order by last_updated desc nulls last, ingested_at desc
    ) = 1
)

select
    latest.source_record_id as coverage_id,
    latest.beneficiary_ref as patient_id,
    latest.status,
    latest.member_id,
    latest.payor_display as payer_text,
    coalesce(by_display.payer_id, by_plan.payer_id) as payer_id,
    latest.period_start,
    latest.period_end,
    latest.source_file
from latest
left join {{ ref('stg_ref__payer_aliases') }} as by_display
    on lower(trim(latest.payor_display)) = by_display.alias_norm
left join {{ ref('stg_ref__payer_aliases') }} as by_plan
    on lower(trim(latest.plan_name)) = by_plan.alias_norm
