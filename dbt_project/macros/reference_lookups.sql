{# Scalar look-ups of reference data for staging models whose source states a payer, a clinic or
   ICD-10 codes as free text. Correlated subqueries: DuckDB decorrelates them into joins, and each
   staging model stays one select over its source. #}

{# Canonical payer id of a payer name as written (config/payers.yaml aliases), else null. #}
{% macro payer_id_from_text(text_column) -%}
    (
        select min(aliases.payer_id)
        from {{ ref('stg_ref__payer_aliases') }} as aliases
        where aliases.alias_norm = lower(trim({{ text_column }}))
    )
{%- endmacro %}

{# Diagnosis group of the first ICD-10-CM code of a list (longest configured prefix wins), else null. #}
{% macro diagnosis_group_of(codes_column) -%}
    (
        select {{ arg_max('dg.diagnosis_group', 'length(dg.prefix_norm)') }}
        from {{ ref('stg_ref__diagnosis_groups') }} as dg
        where {{ starts_with("replace(upper(" ~ first_element(codes_column) ~ "), '.', '')", 'dg.prefix_norm') }}
    )
{%- endmacro %}

{# Clinic id of a clinic named by id or by name, else null. #}
{% macro clinic_id_from_text(text_column) -%}
    (
        select min(clinics.clinic_id)
        from {{ ref('stg_ref__clinics') }} as clinics
        where lower(trim({{ text_column }})) in (lower(clinics.clinic_id), lower(clinics.clinic_name))
    )
{%- endmacro %}

{# The tracked-link token (`t=` query parameter) in a URL or message body, else null. #}
{% macro link_token(text_column) -%}
    nullif(regexp_extract({{ text_column }}, '[?&]t=([A-Za-z0-9_-]+)', 1), '')
{%- endmacro %}

{# Post-operative when the source says so, else when its free text mentions surgery. #}
{% macro post_op_from_text(flag_column, text_expression) -%}
    coalesce(
        {{ flag_column }},
        {{ regexp_test("lower(coalesce(" ~ text_expression ~ ", ''))", 'surgery|post[- ]?op|s/p|replacement|reconstruction|repair') }}
    )
{%- endmacro %}
