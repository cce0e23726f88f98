-- One row per lead as of the run: the features and labels the scoring model trains and predicts on.
-- Milestone timestamps (first_contact_at, verified_at, scheduled_at) are exposed so ml/ can rebuild a
-- lead's state at a fixed age after receipt (landmark), the same for training and scoring rows.
-- Referrer and source history only counts earlier leads whose 14-day label had matured by this lead's
-- receipt, so a lead never sees its own outcome or outcomes that were still unknown then.
-- second_intake_at (the lead reached us again through another channel) and coverage_inactive_at (a 271
-- said the plan is not active) are timestamps too: ml/ counts them only once they had happened.
-- n_diagnoses (distinct ICD-10 codes on the lead's referrals and forms known as of the run) feeds the
-- triage rule `min_diagnoses`; it is not a model feature.
-- On DuckDB a daily increment: only the leads whose row can differ from the last build's are computed
-- again, and the as_of column of the others is moved on (macros/incremental_marts.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ marts_prepare() }}",
    post_hook=["{{ marts_recount_history() }}", "{{ marts_commit() }}", "{{ marts_history_days_commit() }}"],
) }}
{%- set increment = marts_plan() == 'increment' %}
{#- rendered only for an increment (unit tests render the model with no relation to name): the leads whose rows
are computed again, <model>_base; the other leads of the scope keep their rows and only their referrer / source
history counts are set again by the post-hook (macros/incremental_marts.sql, marts_recount_history) #}
{%- set in_scope = ('lead_id in (select lead_id from ' ~ marts_aux('base') ~ ')') if increment else '' %}
{%- set scoped -%}
    {%- if increment %} where {{ in_scope }}{% endif -%}
{%- endset %}
-- every lead: the history counts read all earlier outcomes
with all_leads as (
    select * from {{ ref('int_lead_funnel') }}
),

-- the leads computed (read apart from all_leads: a CTE read twice is materialized whole)
funnel as (
    select * from {{ ref('int_lead_funnel') }}
    -- noqa: disable=LT02,LT14
    {{ scoped }}
    -- noqa: enable=LT02,LT14
),

payers as (
    select * from {{ ref('stg_ref__payers') }}
),

average_rate as (
    select avg(rate_per_visit) as rate_per_visit from payers
),

history_kinds as (
    select 'referrer' as history_kind
    union all
    select 'source' as history_kind
),

outcomes as (
    select
        lead_id,
        referring_npi,
        source,
        received_at + interval 14 day as matured_at,
        cast(coalesce(scheduled_at <= received_at + interval 14 day, false) as integer) as scheduled_14d
    from all_leads
    where received_at + interval 14 day <= {{ as_of() }}
),

-- History counts are running sums over one time line per referrer (per source): matured outcomes add
-- to the sums, each lead reads them at its receipt; an outcome maturing at the same instant a lead
-- arrives counts (it was known). The sums are taken once per key and instant outcomes matured, and
-- each lead takes the latest at or before its receipt (an ASOF join): at 100k leads one running window
-- over every lead and outcome of both kinds took 3.6 s, this 1.7 s. A join of every lead to every
-- earlier outcome of its source grew with the square of the history (2 minutes at 100k leads).
referrer_totals as (
    select
        referring_npi,
        matured_at,
        sum(count(*)) over running as prior_leads,
        sum(sum(scheduled_14d)) over running as prior_scheduled
    from outcomes
    where referring_npi is not null
    group by referring_npi, matured_at
    window running as (
        partition by referring_npi
        order by matured_at
        rows between unbounded preceding and current row
    )
),

source_totals as (
    select
        source,
        matured_at,
        sum(count(*)) over running as prior_leads,
        sum(sum(scheduled_14d)) over running as prior_scheduled
    from outcomes
    where source is not null
    group by source, matured_at
    window running as (
        partition by source
        order by matured_at
        rows between unbounded preceding and current row
    )
),

history_leads as (
    select
        lead_id,
        received_at,
        referring_npi,
        source
    from funnel
    where received_at is not null
),

with_referrer as (
    {{ asof_left_join('history_leads', 'referrer_totals', 'referring_npi', 'received_at', '>=', 'matured_at',
        {'referrer_prior_leads': 'prior_leads', 'referrer_prior_scheduled': 'prior_scheduled'}) }}
),

with_source as (
    {{ asof_left_join('with_referrer', 'source_totals', 'source', 'received_at', '>=', 'matured_at',
        {'source_prior_leads': 'prior_leads', 'source_prior_scheduled': 'prior_scheduled'}) }}
),

-- per lead and kind of history with a key: its counts (0 when no outcome of the key had matured)
history_running as (
    select
        history_kinds.history_kind,
        with_source.lead_id,
        1 as is_lead,
        coalesce(case
            when history_kinds.history_kind = 'referrer' then with_source.referrer_prior_leads
            else with_source.source_prior_leads
        end, 0) as prior_leads,
        coalesce(case
            when history_kinds.history_kind = 'referrer' then with_source.referrer_prior_scheduled
            else with_source.source_prior_scheduled
        end, 0) as prior_scheduled
    from with_source
    cross join history_kinds
    where
        case
            when history_kinds.history_kind = 'referrer' then with_source.referring_npi
            else with_source.source
        end is not null
),

-- An increment reads no whole history: its scope leads' counts come from daily totals per key
-- (macros/incremental_marts.sql, marts_history_day_ctes); the CTEs above are then unused.
{{ marts_history_day_ctes() if increment else '' }}
history as (
    {{ marts_history_counts('history_running_day' if increment else 'history_running') }}
),

-- The episodes of the leads computed: an increment reads int_lead_episodes once, for its scope, before
-- the codes join (DuckDB otherwise joined every episode to every record's codes first: at 100k leads a
-- quarter of the increment's SELECT).
episodes as {{ materialized() if increment else not_materialized() }} (
    select
        lead_id,
        source,
        source_record_id,
        event_at,
        is_first_record
    from {{ ref('int_lead_episodes') }}
    -- noqa: disable=LT02,LT14
    {{ scoped }}
    -- noqa: enable=LT02,LT14
),

first_intake as (
    select
        lead_id,
        source
    from episodes
    where is_first_record
),

second_intake as (
    select
        episodes.lead_id,
        min(episodes.event_at) as second_intake_at
    from episodes
    inner join first_intake on episodes.lead_id = first_intake.lead_id
    where episodes.source != first_intake.source
    group by episodes.lead_id
),

-- An increment reads the inactive answers kept beside the model (macros/incremental_marts.sql,
-- marts_inactive_update), not every touch: a lead with answers but none inactive gets null either way.
eligibility as (
    -- noqa: disable=LT02,LT14
    {% if increment %}
    select
        lead_id,
        min(event_at) as coverage_inactive_at
    from {{ marts_aux('inactive') }}
    where {{ in_scope }}
    group by lead_id
    {% else %}
    select
        lead_id,
        min(event_at) filter (where touch_result = 'inactive') as coverage_inactive_at
    from {{ ref('int_touches_attributed') }}
    where record_kind = 'eligibility' and lead_id is not null
    group by lead_id
    {% endif %}
    -- noqa: enable=LT02,LT14
),

-- Every lead-opening record that carries ICD-10 codes: fax extractions, FHIR ServiceRequest reasonCode,
-- HL7 REF^I12 DG1, EMR referral reports, web forms. Staging keeps only records known by the as-of.
diagnosis_records as (
    -- noqa: disable=LT02,LT14
    {% if increment %}
    select
        source,
        source_record_id,
        diagnosis_codes
    from {{ marts_aux('codes') }}
    {% else %}
    select
        source,
        source_record_id,
        diagnosis_codes
    from {{ ref('stg_fax__extractions') }}
    union all
    select
        source,
        service_request_id as source_record_id,
        diagnosis_codes
    from {{ ref('stg_fhir__service_requests') }}
    union all
    select
        source,
        source_record_id,
        diagnosis_codes
    from {{ ref('stg_hl7v2__referrals') }}
    union all
    select
        source,
        source_record_id,
        diagnosis_codes
    from {{ ref('stg_emr_csv__referrals') }}
    union all
    select
        source,
        submission_id as source_record_id,
        diagnosis_codes
    from {{ ref('stg_webforms__submissions') }}
    {% endif %}
    -- noqa: enable=LT02,LT14
),

-- Each record's codes as one normalised text (dots, spaces and case dropped: M54.50 and m5450 are one
-- code), split back into a list, then every list of the lead flattened and deduplicated. flatten,
-- array_distinct, split and cardinality are spelled alike on DuckDB and Spark, so no unnest/explode.
lead_codes as (
    select
        episodes.lead_id,
        array_distinct(flatten({{ list_agg(
            "split(upper(replace(replace(" ~ join_list('records.diagnosis_codes', "','")
            ~ ", '.', ''), ' ', '')), ',')"
        ) }})) as codes
    from episodes
    inner join diagnosis_records as records
        on episodes.source = records.source and episodes.source_record_id = records.source_record_id
    where cardinality(records.diagnosis_codes) > 0
    group by episodes.lead_id
),

diagnoses as (
    select
        lead_id,
        -- an empty code (a list holding '') is no diagnosis
        cardinality(codes) - case when {{ list_has('codes', "''") }} then 1 else 0 end as n_diagnoses
    from lead_codes
)

select
    funnel.lead_id,
    funnel.person_id,
    funnel.clinic_id,
    funnel.received_at,
    funnel.source,
    funnel.channel,
    funnel.payer,
    coalesce(payers.payer_tier, 'unknown') as payer_tier,
    coalesce(payers.rate_per_visit, average_rate.rate_per_visit) as rate_per_visit,
    funnel.diagnosis_group,
    cast(funnel.expected_visits as integer) as expected_visits,
    funnel.post_op,
    funnel.distance_km,
    funnel.referring_npi,
    {{ seconds_between('funnel.received_at', 'funnel.first_contact_at') }} / cast(3600 as double)
        as hours_to_first_contact,
    funnel.status in ('new', 'contacted', 'verified') as is_open,
    cast(case
        when funnel.scheduled_at <= funnel.received_at + interval 14 day then 1
        when funnel.received_at <= {{ as_of() }} - interval 14 day then 0
    end as integer) as label_scheduled_14d,
    cast(funnel.no_show as integer) as label_no_show,
    {{ as_of() }} as as_of,
    funnel.first_contact_at,
    funnel.verified_at,
    funnel.scheduled_at,
    cast(funnel.record_count as integer) as record_count,
    funnel.has_phone,
    funnel.has_email,
    cast(coalesce(history.referrer_prior_leads, 0) as integer) as referrer_prior_leads,
    cast(coalesce(history.referrer_prior_scheduled, 0) as integer) as referrer_prior_scheduled,
    cast(coalesce(history.source_prior_leads, 0) as integer) as source_prior_leads,
    cast(coalesce(history.source_prior_scheduled, 0) as integer) as source_prior_scheduled,
    second_intake.second_intake_at,
    eligibility.coverage_inactive_at,
    cast(coalesce(diagnoses.n_diagnoses, 0) as integer) as n_diagnoses
from funnel
left join payers on funnel.payer = payers.payer_id
left join history on funnel.lead_id = history.lead_id
left join second_intake on funnel.lead_id = second_intake.lead_id
left join eligibility on funnel.lead_id = eligibility.lead_id
left join diagnoses on funnel.lead_id = diagnoses.lead_id
cross join average_rate
