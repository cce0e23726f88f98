select
    payer_id,
    name as payer_name,
    x12_payer_id,
    tier as payer_tier,
    rate_per_visit,
    auth_required
from {{ source('ref', 'payers') }}
