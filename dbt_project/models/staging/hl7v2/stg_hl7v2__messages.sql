-- Every HL7 v2 message received (any type), for lineage and interface monitoring.
select
    source,
    source_file,
    source_record_id,
    message_type,
    trigger,
    structure,
    version,
    sent_at,
    sending_application,
    sending_facility,
    kind,
    ingested_at
from {{ source('hl7v2', 'hl7v2_messages') }}
qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
