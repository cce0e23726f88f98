{# Generic data test: no two rows share the values of `columns` (a composite key). Groups on the columns
   themselves: the `unique` test on a concatenated expression builds a new string per row (at 1M leads
   lead_source_records' key test took 6.4 s); nulls form a group of their own, so not_null stays separate. #}
{% test unique_columns(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as n_records
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
