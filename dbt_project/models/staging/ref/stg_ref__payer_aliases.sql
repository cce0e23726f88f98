select
    alias_norm,
    payer_id
from {{ source('ref', 'payer_aliases') }}
