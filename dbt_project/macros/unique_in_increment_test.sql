{#- Generic data test: `column_name` is unique, as dbt's `unique`, but in a daily run only the keys of the rows
the model's increment (re)computed are looked up, against every row: a new row colliding with an old one
fails, and old rows, unique when they were written and unchanged since, are not grouped again (at 1M leads
`unique` on int_source_records grouped 19M keys every day). On a full build every key is grouped. The keys
come from the increment's scope table when it lists the tested column (macros/test_scope.sql).

Where the model stores `<column>_hash` = key_hash(<column>) beside the key (int_persons_matched.record_key_hash,
macros/history_key_hash.sql), the rows holding a new key are found by that 8-byte column first, then
grouped by the key itself: every row equal to a new key has its hash, so no duplicate is missed, and a
colliding hash only brings an extra row that the exact filter drops. This trusts the stored hash as the
increment's own pre-hooks do when they find rows by it (1M-lead day, int_persons_matched's 293k scope keys
among 19M rows: 0.8-1.2 -> 0.3-0.45 CPU-s). -#}
{% test unique_in_increment(model, column_name) %}
{%- set new_keys = test_increment_keys(model, column_name) %}
{%- set hashed = new_keys not in (none, 'false') and unique_key_hash_column(model, column_name) %}
{%- if hashed %}
with narrowed as {{ materialized() }} (
    select {{ column_name }}
    from {{ model }}
    where {{ hashed }} in (select {{ key_hash('new_key') }} from ({{ new_keys }}) as new_keys (new_key))
)
{%- endif %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ 'narrowed' if hashed else model }}
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

{#- The quoted name of `relation`'s stored hash of `column` (<column>_hash), or '' when it has none. -#}
{% macro unique_key_hash_column(relation, column) -%}
    {%- if relation.identifier is not defined -%}
        {{ return('') }}
    {%- endif -%}
    {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {{ return(adapter.quote(column ~ '_hash') if (column ~ '_hash') in present else '') }}
{%- endmacro %}
