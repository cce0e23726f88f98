{#- The run's as-of instant (naive UTC); every model filters on it.

A run names it in the environment (PTLEADS_AS_OF, exported by Settings), and the on-run-start hook writes
it to ref.run_context, which models read at run time. Passing it as a dbt var would change the project's
vars every run and force a full re-parse of the project (~3.5 CPU-s per dbt invocation); an env var read
only by the hook leaves partial parsing intact. A var still wins where one is given (unit tests, the Spark
target, a hand-run `dbt build --vars '{as_of: ...}'`). -#}
{% macro as_of() -%}
    {%- if var('as_of', none) is not none -%}
        cast('{{ var("as_of") }}' as timestamp)
    {%- else -%}
        (select as_of from ref.run_context)
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: (re)write ref.run_context from PTLEADS_AS_OF (an ISO instant; any offset is converted to
UTC). Without the variable nothing is cut: the far future, as the var's old default did. -#}
{% macro write_run_context() -%}
    {{ return(adapter.dispatch('write_run_context', 'ptleads')()) }}
{%- endmacro %}

{% macro duckdb__write_run_context() -%}
    create or replace table ref.run_context as
    select
        cast(
            timezone('UTC', cast('{{ env_var("PTLEADS_AS_OF", "2100-01-01T00:00:00+00:00") }}' as timestamptz))
            as timestamp
        ) as as_of
{%- endmacro %}

{#- Other targets (Spark) are given the as-of as a var; nothing to write. -#}
{% macro default__write_run_context() -%}
    select 1
{%- endmacro %}
