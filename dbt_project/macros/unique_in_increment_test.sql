{#- Generic data test: `column_name` is unique, as dbt's `unique`, but in a daily run only the keys of the rows
the model's increment (re)computed are looked up, against every row: a new row colliding with an old one
fails, and old rows, unique when they were written and unchanged since, are not grouped again (at 1M leads
`unique` on int_source_records grouped 19M keys every day). On a full build every key is grouped. The keys
come from the increment's scope table when it lists the tested column (macros/test_scope.sql). -#}
{% test unique_in_increment(model, column_name) %}
{%- set new_keys = test_increment_keys(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} is not null
    {%- if new_keys == 'false' %}
    and false
    {%- elif new_keys is not none %}
    and {{ column_name }} in ({{ new_keys }})
    {%- endif %}
group by {{ column_name }}
having count(*) > 1
{% endtest %}
