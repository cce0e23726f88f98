-- Every HL7 v2 message received (any type), for lineage and interface monitoring.
with latest as (
    {{ latest_rows(source('hl7v2', 'hl7v2_messages'), 'hl7v2_messages') }}
)

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
from latest
