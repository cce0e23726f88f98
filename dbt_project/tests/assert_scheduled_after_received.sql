-- A lead cannot be scheduled (or evaluated) before it was received.
select
    lead_id,
    received_at,
    scheduled_at,
    evaluated_at
from {{ ref('fct_leads') }}
where scheduled_at < received_at or evaluated_at < received_at
