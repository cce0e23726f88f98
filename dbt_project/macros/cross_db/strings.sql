{# Portable string functions: DuckDB spelling by default, Spark SQL spelling under spark__.
   Every macro dispatches through adapter.dispatch so another engine only adds its own variant. #}

{# Replace every match of `pattern` (DuckDB needs the 'g' flag; Spark replaces all by default). #}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('regexp_replace_all', 'ptleads')(expr, pattern, replacement) }}{%- else -%}{{ default__regexp_replace_all(expr, pattern, replacement) }}{%- endif -%}
{%- endmacro %}
{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
{# Spark string literals treat a backslash as an escape ('\s' would reach the regex as 's'): double it. #}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}

{# True when `pattern` matches anywhere in `expr`. #}
{% macro regexp_test(expr, pattern) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('regexp_test', 'ptleads')(expr, pattern) }}{%- else -%}{{ default__regexp_test(expr, pattern) }}{%- endif -%}
{%- endmacro %}
{% macro default__regexp_test(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__regexp_test(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern | replace('\\', '\\\\') }}')
{%- endmacro %}

{# True when `pattern` matches the whole of `expr`. #}
{% macro regexp_test_full(expr, pattern) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('regexp_test_full', 'ptleads')(expr, pattern) }}{%- else -%}{{ default__regexp_test_full(expr, pattern) }}{%- endif -%}
{%- endmacro %}
{% macro default__regexp_test_full(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__regexp_test_full(expr, pattern) -%}
    ({{ expr }} rlike '^({{ pattern | replace('\\', '\\\\') }})$')
{%- endmacro %}

{% macro starts_with(expr, prefix) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('starts_with', 'ptleads')(expr, prefix) }}{%- else -%}{{ default__starts_with(expr, prefix) }}{%- endif -%}
{%- endmacro %}
{% macro default__starts_with(expr, prefix) -%}
    starts_with({{ expr }}, {{ prefix }})
{%- endmacro %}
{% macro spark__starts_with(expr, prefix) -%}
    startswith({{ expr }}, {{ prefix }})
{%- endmacro %}

{# Split on single spaces, capitalise each word, join ("mary ann" -> "Mary Ann"); lambda syntax differs. #}
{% macro capitalise_words(expr) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('capitalise_words', 'ptleads')(expr) }}{%- else -%}{{ default__capitalise_words(expr) }}{%- endif -%}
{%- endmacro %}
{% macro default__capitalise_words(expr) -%}
    array_to_string(
        list_transform(string_split({{ expr }}, ' '), lambda w: upper(left(w, 1)) || substr(w, 2)),
        ' '
    )
{%- endmacro %}
{% macro spark__capitalise_words(expr) -%}
    array_join(transform(split({{ expr }}, ' '), w -> upper(left(w, 1)) || substr(w, 2)), ' ')
{%- endmacro %}

{# A date or timestamp as text with a strftime-style pattern (only %Y %m %d %H %M %S are mapped). #}
{% macro format_date(expr, pattern) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('format_date', 'ptleads')(expr, pattern) }}{%- else -%}{{ default__format_date(expr, pattern) }}{%- endif -%}
{%- endmacro %}
{% macro default__format_date(expr, pattern) -%}
    strftime({{ expr }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__format_date(expr, pattern) -%}
    date_format({{ expr }}, '{{ pattern | replace("%Y", "yyyy") | replace("%m", "MM") | replace("%d", "dd") | replace("%H", "HH") | replace("%M", "mm") | replace("%S", "ss") }}')
{%- endmacro %}
