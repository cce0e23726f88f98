-- Appointments known by as-of with their lead, and whether each is the lead's evaluation.
-- On DuckDB a daily increment: a copy of int_lead_appointments, so only the appointments of the persons that
-- model recomputed are deleted and copied again (macros/incremental_lead_models.sql).
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ lead_prepare() }}",
    post_hook="{{ lead_commit() }}",
) }}
{%- set increment = lead_plan() == 'increment' %}
{#- in an increment the rows int_lead_appointments just wrote (<int_lead_appointments>_rows: every row of the
persons it recomputed), not a pass over every appointment -#}
{%- set appointments = ref('int_lead_appointments') %}
{%- if increment and identity_state_exists(lead_aux('rows', appointments)) %}
    {%- set appointments = lead_aux('rows', appointments) %}
{%- endif %}
select
    appointment_id,
    lead_id,
    person_id,
    source,
    appointment_type,
    status,
    booked_at,
    start_at,
    cast(duration_min as integer) as duration_min,
    location_id,
    practitioner_id,
    status = 'noshow' as is_no_show
from {{ appointments }}
-- noqa: disable=LT02,LT14
{% if increment %}
where person_id in (select person_id from {{ lead_aux('scope') }})
{% endif %}
-- noqa: enable=LT02,LT14
