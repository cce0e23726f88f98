{#- on-run-start as one hook (issue 8): every hook is a dbt node of its own (compiled, logged, a result
event, its own statement and commit), ~20-60 ms apiece on a loaded 100k-lead day whatever its SQL does; the
three the project had took 0.05 + 0.12 + 0.15 s of which their statements took ~0.05 s. In order: decide
whether this build is a daily run (macros/test_scope.sql: a Jinja side effect, no SQL), then create the ref
schema, write ref.run_context (macros/as_of.sql) and bring staging_state.raw_repeated_ids up to the raw
tables (macros/latest_rows.sql: its lookups run while the hook renders). DuckDB runs the statements in one
call; other targets (Spark: the as-of is a var, nothing to write) get the schema alone. -#}
{% macro ptleads_run_start() -%}
    {{ return(adapter.dispatch('ptleads_run_start', 'ptleads')()) }}
{%- endmacro %}

{% macro duckdb__ptleads_run_start() -%}
    {%- do remember_test_run_kind() -%}
    create schema if not exists ref;
    {{ write_run_context() }};
    {{ refresh_repeated_ids() }}
{%- endmacro %}

{% macro default__ptleads_run_start() -%}
    {%- do remember_test_run_kind() -%}
    create schema if not exists ref
{%- endmacro %}
