-- One timeline of every touch (call, voicemail, SMS, email event, web event, outcome, eligibility)
-- with its person and lead.
select
    record_key as touch_id,
    lead_id,
    person_id,
    source,
    source_file,
    source_record_id,
    record_kind as touch_kind,
    direction,
    touch_result,
    event_at
from {{ ref('int_touches_attributed') }}
