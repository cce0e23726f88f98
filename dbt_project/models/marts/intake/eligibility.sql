-- One row per 271 answer attributed to a lead: the lead our 270 named in its trace (TRN02), else the
-- person's latest lead received by the end of the answer's day (int_touches_attributed decides, the
-- same attribution fct_leads.verified_at uses). Answers that reach no lead (no person match, or no
-- lead yet) are left out; the raw answers stay in staging.stg_eligibility__responses.
-- On DuckDB a daily increment: only the answers whose touch int_touches_attributed recomputed are computed
-- again (macros/incremental_marts.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ marts_prepare() }}",
    post_hook="{{ marts_commit() }}",
) }}
{%- set in_scope = '' %}
{#- in an increment the touches int_touches_attributed just wrote (<int_touches_attributed>_rows: every row of its
scope's keys, which list the day's answers): a pass over every touch otherwise -#}
{%- set touches = ref('int_touches_attributed') %}
{%- if marts_plan() == 'increment' %}
    {%- if identity_state_exists(lead_aux('rows', touches)) %}
        {%- set touches = lead_aux('rows', touches) %}
    {%- endif %}
    {%- set ids = marts_eligibility_ids() %}
    {#- a constant list reaches the raw scan below the view's dedup; a semi-join on the scope table does not #}
    {%- if ids is none %}
        {%- set in_scope = 'source_record_id in (select source_record_id from ' ~ marts_aux('scope') ~ ')' %}
    {%- else %}
        {%- set in_scope = ('source_record_id in (' ~ ids ~ ')') if ids else 'false' %}
    {%- endif %}
{%- endif %}
with answers as (
    select * from {{ ref('stg_eligibility__responses') }}
    -- noqa: disable=LT02,LT14
    {% if in_scope %}
    where {{ in_scope }}
    {% endif %}
    -- noqa: enable=LT02,LT14
),

attributed as (
    select
        source,
        source_record_id,
        lead_id
    from {{ touches }}
    where
        record_kind = 'eligibility' and lead_id is not null
        and {{ in_scope or 'true' }}
),

-- one canonical payer per X12 id, even if a practice's config lists an id twice
payers as (
    select
        x12_payer_id,
        min(payer_id) as payer_id
    from {{ ref('stg_ref__payers') }}
    where x12_payer_id is not null
    group by x12_payer_id
)

select
    attributed.lead_id,
    -- canonical payer id as in fct_leads: by the 271's payer id (NM1*PR), else by its payer name
    coalesce(payers.payer_id, {{ payer_id_from_text('answers.payer_text') }}) as payer,
    answers.member_id,
    answers.active,
    answers.copay,
    answers.coinsurance,
    answers.deductible_remaining,
    answers.oop_remaining,
    cast(answers.visit_limit as integer) as visit_limit,
    cast(answers.visits_used as integer) as visits_used,
    answers.auth_required,
    answers.in_network,
    answers.checked_at,
    answers.rejection_reason,
    answers.source_record_id,
    answers.source,
    answers.source_file,
    answers.payer_text as payer_name,
    answers.payer_id as payer_x12_id,
    answers.is_dependent,
    answers.plan_name,
    answers.plan_begin,
    answers.plan_end,
    answers.deductible,
    answers.oop_max,
    answers.rejection_code,
    answers.lead_ref as inquiry_lead_id
from answers
inner join attributed
    on answers.source = attributed.source and answers.source_record_id = attributed.source_record_id
left join payers on answers.payer_id = payers.x12_payer_id
