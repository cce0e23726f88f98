-- Canonical payers from config/payers.yaml, plus UNKNOWN for leads whose insurance did not map.
select
    payer_id,
    payer_name,
    payer_tier,
    rate_per_visit,
    auth_required
from {{ ref('stg_ref__payers') }}
union all
select
    'UNKNOWN' as payer_id,
    'Unknown payer' as payer_name,
    'unknown' as payer_tier,
    (select avg(rate_per_visit) from {{ ref('stg_ref__payers') }}) as rate_per_visit,
    cast(null as boolean) as auth_required
