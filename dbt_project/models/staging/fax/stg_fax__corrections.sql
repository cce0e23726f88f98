-- Staff corrections of fax fields (review queue), one row per corrected fax: for each correctable field
-- the latest value staff gave (NULL when they emptied it) and whether any correction touched it.
-- Not filtered by the run's as-of: a correction repairs what the fax said when it arrived (an OCR misread),
-- it is no news about the lead, and staff expect the next run to show it.
-- The field list equals orchestration/ingest/corrections.CORRECTABLE_FIELDS (tests/ingest checks).
{%- set fields = ['first_name', 'last_name', 'dob', 'phone', 'zip', 'diagnosis_codes', 'referring_name',
    'referring_npi', 'payer', 'member_id', 'post_op', 'surgery_date', 'orders'] %}
with corrections as (
    select
        *,
        -- corrected_at has whole seconds: file and line break ties so the latest is well defined.
        row_number() over (
            partition by fax_record_id order by corrected_at, source_file, line_number
        ) as correction_order
    from {{ source('fax_corrections', 'fax_corrections') }}
    -- The app appends to a daily file, so a grown file is ingested again: one row per correction id.
    qualify row_number() over (partition by source_record_id order by ingested_at desc) = 1
)

select
    fax_record_id,
    {%- for field in fields %}
        {{ arg_max_null(field, 'correction_order') }} filter (
            where {{ list_has('fields_set', "'" ~ field ~ "'") }}
        ) as {{ field }},
        bool_or({{ list_has('fields_set', "'" ~ field ~ "'") }}) as {{ field }}_corrected,
    {%- endfor %}
    {{ arg_max_null('user_name', 'correction_order') }} as corrected_by,
    max(corrected_at) as corrected_at,
    count(*) as corrections
from corrections
group by fax_record_id
