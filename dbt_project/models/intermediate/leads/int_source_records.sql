-- Every person-bearing record, one row, with the standard identity columns used for matching.
-- FHIR resources that point at a Patient borrow that patient's identity fields and share its
-- person_key (the EMR already knows they are one person); other records are their own node unless
-- their source names a patient (`source_person_id`). Sources other than FHIR and web forms arrive
-- through staging models tagged `person_bearing` (see the union_person_bearing macro).
-- The person_bearing union addresses models by relation; these lines make lineage and order explicit
-- (a new tagged model is added here too; tests/dbt checks the two lists agree).
-- On DuckDB a daily increment: only records whose raw rows (or borrowed rows) changed since the last
-- build are recomputed, the rest stay in place (macros/incremental_source_records.sql; a full rebuild on
-- an earlier as-of, a deleted raw row or changed SQL / reference data). The dirty ids are written into
-- this SQL as constant lists, one per staging model (`selection`), which DuckDB pushes down to the raw
-- scans.
{{ config(
    materialized=identity_increment_materialization(),
    incremental_strategy='append',
    pre_hook="{{ source_records_prepare() }}",
    post_hook="{{ source_records_commit() }}",
) }}
-- depends_on: {{ ref('stg_calls__calls') }}
-- depends_on: {{ ref('stg_calls__voicemails') }}
-- depends_on: {{ ref('stg_eligibility__responses') }}
-- depends_on: {{ ref('stg_email__events') }}
-- depends_on: {{ ref('stg_emr_csv__appointments') }}
-- depends_on: {{ ref('stg_emr_csv__patients') }}
-- depends_on: {{ ref('stg_emr_csv__referrals') }}
-- depends_on: {{ ref('stg_fax__extractions') }}
-- depends_on: {{ ref('stg_hl7v2__appointments') }}
-- depends_on: {{ ref('stg_hl7v2__patient_updates') }}
-- depends_on: {{ ref('stg_hl7v2__referrals') }}
-- depends_on: {{ ref('stg_outcomes__outcomes') }}
-- depends_on: {{ ref('stg_sms__messages') }}
-- depends_on: {{ ref('stg_web__events') }}
{%- set optional = {
    'source_person_id': 'string',
    'direction': 'string',
    'touch_result': 'string',
    'token': 'string',
    'lead_ref': 'string',
    'payer_id': 'string',
    'diagnosis_group': 'string',
    'referring_npi': 'string',
    'clinic_id': 'string',
    'post_op': 'boolean',
} %}
{%- set selection = source_records_selection() %}
{%- set native = ['stg_fhir__patients', 'stg_fhir__service_requests', 'stg_fhir__appointments',
    'stg_fhir__coverages', 'stg_fhir__locations', 'stg_fhir__practitioners', 'stg_webforms__submissions'] %}
with patients as (
    select * from {{ ref('stg_fhir__patients') }}
    {{ source_records_where('patient_id', selection, 'stg_fhir__patients') }}
),

fhir_records as (
    select
        'patient' as record_kind,
        patient_id as source_record_id,
        patient_id as fhir_patient_id,
        cast(null as timestamp) as event_at,
        source,
        source_file
    from patients
    union all
    select
        'referral' as record_kind,
        service_request_id as source_record_id,
        patient_id as fhir_patient_id,
        received_at as event_at,
        source,
        source_file
    from {{ ref('stg_fhir__service_requests') }}
    {{ source_records_where('service_request_id', selection, 'stg_fhir__service_requests') }}
    union all
    select
        'appointment' as record_kind,
        appointment_id as source_record_id,
        patient_id as fhir_patient_id,
        booked_at as event_at,
        source,
        source_file
    from {{ ref('stg_fhir__appointments') }}
    {{ source_records_where('appointment_id', selection, 'stg_fhir__appointments') }}
),

native as (
    select
        fhir_records.source,
        fhir_records.source_file,
        fhir_records.source_record_id,
        fhir_records.record_kind,
        fhir_records.event_at,
        patients.first_name,
        patients.last_name,
        patients.dob,
        patients.phone_e164,
        patients.email,
        patients.zip as zip5,
        fhir_records.fhir_patient_id as source_person_id,
        {%- for column, data_type in optional.items() if column != 'source_person_id' %}
        cast(null as {{ data_type }}) as {{ column }},  -- noqa: LT02
        {%- endfor %}
        fhir_records.fhir_patient_id
    from fhir_records
    left join patients on fhir_records.fhir_patient_id = patients.patient_id
    union all
    select
        source,
        source_file,
        submission_id as source_record_id,
        'web' as record_kind,
        received_at as event_at,
        first_name,
        last_name,
        dob,
        phone_e164,
        email,
        zip as zip5,
        {%- for column, data_type in optional.items() %}
        cast(null as {{ data_type }}) as {{ column }},  -- noqa: LT02
        {%- endfor %}
        cast(null as string) as fhir_patient_id
    from {{ ref('stg_webforms__submissions') }}
    {{ source_records_where('submission_id', selection, 'stg_webforms__submissions') }}
),

-- The union of tagged staging models is only known after templating; sqlfluff cannot parse it.
-- noqa: disable=all
tagged as (
    {%- if selection is none %}
    {%- set tagged_sql = union_person_bearing(optional=optional, exclude=native) %}
    {%- else %}
    {%- set tagged_sql = source_records_tagged_union(optional, native, selection) %}
    {%- endif %}
    {%- if tagged_sql | trim %}
    select
        *,
        cast(null as string) as fhir_patient_id
    from ({{ tagged_sql }})
    {%- else %}
    select * from native where false
    {%- endif %}
),
-- noqa: enable=all

unioned as (
    select * from native
    union all
    select * from tagged
),

-- A full build (selection none) builds the keys with one concat() each instead of a chain of `||` (one string
-- per `||`): 19M keys of each kind at 1M leads. The guards keep `||`'s null result.
{%- set record_key_sql = "case when source is not null and record_kind is not null and source_record_id is not null"
    ~ " then concat(source, ':', record_kind, ':', source_record_id) end" %}
-- noqa: disable=LT02
records as (
    select
        {%- if selection is none %}
        {{ record_key_sql }} as record_key,
        -- What the source already knows to be one person; matching compares these nodes.
        case
            when source_person_id is null then {{ record_key_sql }}
            when source is not null then concat(source, ':person:', source_person_id)
        end as person_key,
        {%- else %}
        source || ':' || record_kind || ':' || source_record_id as record_key,
        -- What the source already knows to be one person; matching compares these nodes.
        case
            when source_person_id is not null then source || ':person:' || source_person_id
            else source || ':' || record_kind || ':' || source_record_id
        end as person_key,
        {%- endif %}
        -- noqa: enable=LT02
        *,
        -- Lead-opening records: referrals (EMR, HL7, CSV, fax), voicemails and web-form requests.
        (record_kind in ('referral', 'voicemail') or source = 'webforms') as opens_lead,
        (first_name is not null or last_name is not null or dob is not null) as has_identity
    from unioned
    where event_at is null or event_at <= {{ as_of() }}
)

select * from records
