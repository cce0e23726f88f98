{{ config(tags=['scored']) }}

-- Funnel counts by receipt week and one dimension at a time (source, referrer, payer, clinic):
-- long format so one dashboard query can slice by any of them.
{%- set dimensions = {'source': 'source', 'referrer': "coalesce(referring_npi, 'none')",
    'payer': 'payer', 'clinic': 'clinic_id'} %}
with leads as (
    select * from {{ ref('fct_leads') }}
)
{% for name, expression in dimensions.items() %}
    select
        cast(date_trunc('week', received_at) as date) as week,
        '{{ name }}' as dimension,
        {{ expression }} as dimension_value,
        cast(count(*) as integer) as received,
        cast(count(first_contact_at) as integer) as contacted,
        cast(count(verified_at) as integer) as verified,
        cast(count(scheduled_at) as integer) as scheduled,
        cast(count(evaluated_at) as integer) as evaluated
    from leads
    group by 1, 2, 3
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
