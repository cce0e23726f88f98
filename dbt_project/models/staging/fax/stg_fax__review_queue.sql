-- Items waiting for a person (low-confidence fax extractions), with the page images to look at. A fax
-- staff have corrected is done and leaves the queue.
select
    queue.source,
    queue.source_file,
    queue.source_record_id,
    queue.reason,
    queue.page_images,
    queue.created_at,
    queue.ingested_at
from {{ source('fax', 'review_queue') }} as queue
where
    not exists (
        select 1
        from {{ ref('stg_fax__corrections') }} as corrections
        where corrections.fax_record_id = queue.source_record_id
    )
qualify row_number() over (partition by queue.source, queue.source_record_id order by queue.ingested_at desc) = 1
