{#- Hooks around one model's statement: with `on`, DuckDB plans every hash join with its build side as written
(the right side of `a join b`) instead of the side it estimates smaller; `joins_build_as_written(false, on)`
after the statement restores the default. For a query whose estimates are far off (a materialized CTE
estimated at 1 row that holds millions) and whose SQL names the small side on the right. The setting is global
to the DuckDB process: the post-hook resets it (to DuckDB's default, empty). Other targets: nothing. -#}
{% macro joins_build_as_written(on, was_on=false) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('joins_build_as_written', 'ptleads')(on, was_on) }}{%- else -%}{{ default__joins_build_as_written(on, was_on) }}{%- endif -%}
{%- endmacro %}
{% macro duckdb__joins_build_as_written(on, was_on=false) -%}
    {%- if on -%}
        set disabled_optimizers = 'build_side_probe_side'
    {%- elif was_on -%}
        reset disabled_optimizers
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
{% macro default__joins_build_as_written(on, was_on=false) -%}
    select 1
{%- endmacro %}
