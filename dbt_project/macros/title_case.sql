{# Trim, collapse spaces and capitalise each word ("  mARY  ann " -> "Mary Ann"). #}
{% macro title_case(column) -%}
    nullif(
        array_to_string(
            list_transform(
                string_split(regexp_replace(lower(trim({{ column }})), '\s+', ' ', 'g'), ' '),
                lambda w: upper(left(w, 1)) || substr(w, 2)
            ),
            ' '
        ),
        ''
    )
{%- endmacro %}
