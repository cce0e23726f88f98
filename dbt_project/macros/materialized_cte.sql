{# A CTE DuckDB should compute once and keep, even when referenced once: it fixes the join order where the
   optimizer misjudges sizes (int_lead_episodes: the ~1 in 7 appointments that are evaluations are found
   before their names are joined, not after joining every appointment). Spark decides itself; no keyword. #}
{% macro materialized() -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('materialized', 'ptleads')() }}{%- else -%}{{ default__materialized() }}{%- endif -%}
{%- endmacro %}
{% macro default__materialized() -%}materialized{%- endmacro %}
{% macro spark__materialized() -%}{%- endmacro %}
