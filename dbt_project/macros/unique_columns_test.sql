{# Generic data test: no two rows share the values of `columns` (a composite key). Groups on the columns
   themselves: the `unique` test on a concatenated expression builds a new string per row (at 1M leads
   lead_source_records' key test took 6.4 s); nulls form a group of their own, so not_null stays separate.
   In a daily run of a model that records its increment (macros/test_scope.sql), only the keys of the rows
   it recomputed are grouped, against every row: a new row colliding with an old one still fails. #}
{% test unique_columns(model, columns) %}
{%- set new_rows = test_increment_predicate(model) %}
select
    {{ columns | join(', ') }},
    count(*) as n_records
from {{ model }} as checked
{%- if new_rows == 'false' %}
where false
{%- elif new_rows != 'true' %}
where exists (
    select 1
    from (select * from {{ model }} where {{ new_rows }}) as recomputed
    where
        {%- for column in columns %}
        recomputed.{{ column }} is not distinct from checked.{{ column }}{% if not loop.last %} and{% endif %}
        {%- endfor %}
)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
