-- Items waiting for a person (low-confidence fax extractions), with the page images to look at.
select
    source,
    source_file,
    source_record_id,
    reason,
    page_images,
    created_at,
    ingested_at
from {{ source('fax', 'review_queue') }}
qualify row_number() over (partition by source, source_record_id order by ingested_at desc) = 1
