select
    diagnosis_group,
    label as diagnosis_group_label,
    expected_visits,
    replace(upper(prefix), '.', '') as prefix_norm
from {{ source('ref', 'diagnosis_groups') }}
