{# Trim, collapse spaces and capitalise each word ("  mARY  ann " -> "Mary Ann"). #}
{% macro title_case(column) -%}
    nullif(
        {{ capitalise_words(regexp_replace_all('lower(trim(' ~ column ~ '))', '\\s+', ' ')) }},
        ''
    )
{%- endmacro %}
