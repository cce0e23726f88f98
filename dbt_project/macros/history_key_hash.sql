{#- An integer hash of a history table's string key, stored beside it (int_persons_matched: person_id_hash,
record_key_hash, person_key_hash) so that a daily increment finds a few thousand persons' or records' rows
among millions by scanning 8-byte integers instead of decompressing every string of the key column (at 100k
leads a lookup of ~2k persons in int_persons_matched: 0.038 -> 0.008 CPU-s). A hash can collide: every
lookup by hash checks the key itself on the rows it found (a second statement, or an exact join after it),
never decides alone. -#}
{% macro key_hash(expression) -%}
    {%- if adapter is defined -%}{{ adapter.dispatch('key_hash', 'ptleads')(expression) }}{%- else -%}{{ default__key_hash(expression) }}{%- endif -%}
{%- endmacro %}
{% macro default__key_hash(expression) -%}hash({{ expression }}){%- endmacro %}
{% macro spark__key_hash(expression) -%}xxhash64({{ expression }}){%- endmacro %}
