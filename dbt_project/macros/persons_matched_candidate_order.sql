{#- The order in which a nameless record's candidate persons win (int_persons_matched): the latest active
episode first (nulls last), then the nearest own activity (nulls last), phone before email, then person_id.
One key per candidate so that a grouped arg_min picks the winner (the full build only). -#}
{% macro candidate_order_key(active_since, distance, by_phone, person_id) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('candidate_order_key', 'ptleads')(active_since, distance, by_phone, person_id) }}{%- else -%}{{ default__candidate_order_key(active_since, distance, by_phone, person_id) }}{%- endif -%}
{%- endmacro %}
{% macro default__candidate_order_key(active_since, distance, by_phone, person_id) -%}
    create_sort_key({{ active_since }}, 'DESC NULLS LAST', {{ distance }}, 'ASC NULLS LAST', {{ by_phone }},
        'DESC NULLS LAST', {{ person_id }}, 'ASC NULLS LAST')
{%- endmacro %}
{#- Spark orders structs field by field; the null flags put missing values last. -#}
{% macro spark__candidate_order_key(active_since, distance, by_phone, person_id) -%}
    struct({{ active_since }} is null, -unix_micros({{ active_since }}), {{ distance }} is null, {{ distance }},
        not {{ by_phone }}, {{ person_id }})
{%- endmacro %}
