{#- The appointment staging views' SQL, over a raw relation given by the caller. Each view passes its source;
the lead models' daily increments pass the same raw table restricted to the ids they recompute
(`lead_raw_ids`), so the filter is applied at the raw scan, below the view's dedup by source_record_id
(DuckDB pushes no IN-subquery filter below that dedup: every raw row was deduplicated for a day's few
thousand ids). Same rows for those ids: the dedup partitions by source_record_id. -#}

{#- `relation` restricted to rows whose source_record_id is in the one-column query `ids`. -#}
{% macro lead_raw_ids(relation, ids) -%}
    (select * from {{ relation }} where source_record_id in ({{ ids }}))
{%- endmacro %}

{#- Appointments known by the run's as-of. An outcome (fulfilled, no-show) of an appointment that starts
after the as-of cannot be known yet, so it reads as booked. -#}
{% macro stg_fhir_appointments_sql(raw) -%}
with latest as (
    {% call latest_rows(raw, 'fhir_appointments', order='last_updated desc nulls last, ingested_at desc') -%}
        coalesce(created_at, start_at) <= {{ as_of() }}
    {%- endcall %}
)

select
    source_record_id as appointment_id,
    patient_ref as patient_id,
    practitioner_ref as practitioner_id,
    location_ref as location_id,
    based_on_ref as service_request_id,
    case
        when {{ regexp_test("lower(coalesce(appointment_type, '') || ' ' || coalesce(service_type, ''))", 'eval') }}
            then 'eval'
        else 'visit'
    end as appointment_type,
    case
        when start_at > {{ as_of() }} and status in ('fulfilled', 'arrived', 'checked-in', 'noshow')
            then 'booked'
        else status
    end as status,
    start_at,
    end_at,
    coalesce(minutes_duration, {{ time_diff('minute', 'start_at', 'end_at') }}) as duration_min,
    coalesce(created_at, start_at) as booked_at,
    source,
    source_file
from latest
{%- endmacro %}

{#- A clinic's id or name (any case) -> the smallest clinic id it names (a join, not a correlated subquery:
DuckDB evaluated that over every deduplicated row and kept a reader's id filter from the raw scan). -#}
{% macro stg_clinic_keys_sql(clinics) -%}
    select
        clinic_key,
        min(clinic_id) as clinic_id
    from (
        select
            lower(clinic_id) as clinic_key,
            clinic_id
        from {{ clinics }}
        union all
        select
            lower(clinic_name) as clinic_key,
            clinic_id
        from {{ clinics }}
    ) as clinic_names
    group by clinic_key
{%- endmacro %}

{#- SIU scheduling messages known by the run's as-of: one row per message (an appointment's history is its
messages in order). Outcomes of appointments that start after as-of read as booked. -#}
{% macro stg_hl7v2_appointments_sql(raw, clinics) -%}
with latest as (
    {% call latest_rows(raw, 'hl7v2_appointments') -%}
        coalesce(sent_at, start_at) <= {{ as_of() }}
    {%- endcall %}
),

clinic_keys as (
    {{ stg_clinic_keys_sql(clinics) }}
),

looked_up as (
    select
        latest.*,
        clinic_keys.clinic_id as clinic_id_found
    from latest
    left join clinic_keys on lower(trim(latest.location_code)) = clinic_keys.clinic_key
)

select
    source,
    source_file,
    source_record_id,
    'appointment' as record_kind,
    coalesce(sent_at, start_at) as event_at,
    {{ title_case('given') }} as first_name,
    {{ title_case('family') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    cast(null as {{ string_type() }}) as email,
    {{ zip5('zip') }} as zip5,
    patient_id as patient_ref,
    patient_id as source_person_id,
    coalesce(filler_id, placer_id) as appointment_id,
    event as schedule_event,
    case
        when start_at > {{ as_of() }} and status in ('fulfilled', 'arrived', 'noshow', 'complete')
            then 'booked'
        when event = 'noshow' or status in ('noshow', 'no show') then 'noshow'
        when event in ('cancelled', 'deleted', 'discontinued') or status in ('cancelled', 'deleted', 'dc')
            then 'cancelled'
        when status in ('complete', 'fulfilled') then 'fulfilled'
        when status = 'arrived' then 'arrived'
        else 'booked'
    end as status,
    status as status_raw,
    start_at,
    duration_min,
    case
        when {{ regexp_test("lower(coalesce(appointment_type, '') || ' ' || coalesce(reason, ''))", 'eval|9716[123]') }}
            then 'eval'
        else 'visit'
    end as appointment_type,
    location_code as clinic_text,
    clinic_id_found as clinic_id,
    therapist_name,
    therapist_npi,
    ingested_at
from looked_up
{%- endmacro %}

{#- Appointments from vendor EMR appointment reports known by the run's as-of. An outcome (fulfilled,
no-show) of an appointment that starts after the as-of cannot be known yet, so it reads as booked. -#}
{% macro stg_emr_csv_appointments_sql(raw, clinics) -%}
with latest as (
    {% call latest_rows(raw, 'emr_csv_appointments') -%}
        coalesce(created_at, start_at) <= {{ as_of() }}
    {%- endcall %}
),

clinic_keys as (
    {{ stg_clinic_keys_sql(clinics) }}
),

looked_up as (
    select
        latest.*,
        clinic_keys.clinic_id as clinic_id_found
    from latest
    left join clinic_keys on lower(trim(latest.clinic)) = clinic_keys.clinic_key
)

select
    source,
    source_file,
    source_record_id,
    'appointment' as record_kind,
    coalesce(created_at, start_at) as event_at,
    {{ title_case('first_name') }} as first_name,
    {{ title_case('last_name') }} as last_name,
    dob,
    {{ to_e164('phone') }} as phone_e164,
    nullif(lower(trim(email)), '') as email,
    cast(null as {{ string_type() }}) as zip5,
    patient_ref,
    patient_ref as source_person_id,
    profile,
    coalesce(appointment_id, source_record_id) as appointment_id,
    clinic as clinic_text,
    clinic_id_found as clinic_id,
    therapist,
    start_at,
    duration_min,
    appointment_type,
    case
        when start_at > {{ as_of() }} and status in ('fulfilled', 'arrived', 'noshow') then 'booked'
        else status
    end as status,
    status_raw,
    created_at as booked_at,
    ingested_at
from looked_up
{%- endmacro %}

{#- The rows of a staging view the lead models read (`view`: its relation): the view itself, or with `ids` (a
one-column query of source_record_ids) the view's SQL over those ids' raw rows only. -#}
{% macro lead_staged(view, ids=none) -%}
    {%- if ids is none -%}
        {{ return(view) }}
    {%- endif -%}
    {%- set clinics = lead_relation('stg_ref__clinics') -%}
    {%- set groups = lead_relation('stg_ref__diagnosis_groups') -%}
    {%- set aliases = lead_relation('stg_ref__payer_aliases') -%}
    {%- set zips = lead_relation('stg_ref__zip_codes') -%}
    {%- set name = view.identifier -%}
    {%- if name == 'stg_fhir__appointments' -%}
        {%- set sql = stg_fhir_appointments_sql(lead_raw_ids(lead_source('fhir', 'fhir_appointments'), ids)) -%}
    {%- elif name == 'stg_hl7v2__appointments' -%}
        {%- set sql = stg_hl7v2_appointments_sql(lead_raw_ids(lead_source('hl7v2', 'hl7v2_appointments'), ids),
            clinics) -%}
    {%- elif name == 'stg_emr_csv__appointments' -%}
        {%- set sql = stg_emr_csv_appointments_sql(lead_raw_ids(lead_source('emr_csv', 'emr_csv_appointments'), ids),
            clinics) -%}
    {%- elif name == 'stg_fhir__service_requests' -%}
        {%- set sql = stg_fhir_service_requests_sql(
            lead_raw_ids(lead_source('fhir', 'fhir_service_requests'), ids), groups) -%}
    {%- elif name == 'stg_fhir__patients' -%}
        {%- set sql = stg_fhir_patients_sql(lead_raw_ids(lead_source('fhir', 'fhir_patients'), ids), zips) -%}
    {%- elif name == 'stg_fhir__coverages' -%}
        {%- set sql = stg_fhir_coverages_sql(lead_raw_ids(lead_source('fhir', 'fhir_coverages'), ids), aliases) -%}
    {%- elif name == 'stg_webforms__submissions' -%}
        {%- set sql = stg_webforms_submissions_sql(
            lead_raw_ids(lead_source('webforms', 'webforms_submissions'), ids), groups, aliases, clinics, zips) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error('lead_staged: no raw-filtered SQL for ' ~ name) }}
    {%- endif -%}
    {{ return('(' ~ sql ~ ')') }}
{%- endmacro %}
