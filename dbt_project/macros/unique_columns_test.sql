{# Generic data test: no two rows share the values of `columns` (a composite key). Groups on the columns
   themselves: the `unique` test on a concatenated expression builds a new string per row (at 1M leads
   lead_source_records' key test took 6.4 s); nulls form a group of their own, so not_null stays separate.
   In a daily run of a model that records its increment (macros/test_scope.sql), only the keys of the rows
   it recomputed are grouped, against every row: a new row colliding with an old one still fails.
   `lookup` (one of the columns) finds those rows by that one column's values instead of the whole key:
   a row sharing a recomputed row's key shares its `lookup` value, so the candidates are a superset and
   the grouping decides; one column hashed and probed instead of all of them (lead_source_records:
   source_record_id). A null `lookup` value of a recomputed row looks up the rows with a null there.
   On DuckDB the recomputed rows are found by rowid first (the predicate reads its own column only), then their
   values are fetched for those rows alone: an increment appends them at the table's end, whereas a column
   read beside the predicate's semi-join was decompressed for every row (lead_source_records, 100k day:
   0.20 -> 0.17 CPU-s). #}
{% test unique_columns(model, columns, lookup=none) %}
{%- if lookup is not none and lookup not in columns %}
    {{ exceptions.raise_compiler_error('unique_columns: lookup ' ~ lookup ~ ' is not one of ' ~ columns) }}
{%- endif %}
{%- set new_rows = test_increment_predicate(model) %}
{%- set recomputed = new_rows %}
{%- if new_rows not in ('true', 'false') and target.type == 'duckdb' %}
    {%- set recomputed = 'rowid in (select rowid from ' ~ model ~ ' where ' ~ new_rows ~ ')' %}
{%- endif %}
select
    {{ columns | join(', ') }},
    count(*) as n_records
from {{ model }} as checked
{%- if new_rows == 'false' %}
where false
{%- elif new_rows != 'true' and lookup is not none %}
where
    {{ lookup }} in (select {{ lookup }} from {{ model }} where {{ recomputed }})
group by {{ columns | join(', ') }}
having count(*) > 1
union all
select
    {{ columns | join(', ') }},
    count(*) as n_records
from {{ model }} as checked
where
    {{ lookup }} is null
    and exists (select 1 from {{ model }} where {{ lookup }} is null and {{ new_rows }})
{%- elif new_rows != 'true' %}
where exists (
    select 1
    from (select * from {{ model }} where {{ recomputed }}) as recomputed
    where
        {%- for column in columns %}
        recomputed.{{ column }} is not distinct from checked.{{ column }}{% if not loop.last %} and{% endif %}
        {%- endfor %}
)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
