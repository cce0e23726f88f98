{#- The raw (append-only, ingested) tables' keys and coded values, in ONE dbt node: on a daily run only the
rows ingested since the last build (`__new_raw_rows__`, macros/test_scope.sql), on a full build every row.
Replaces one source test per table and column (23 nodes of ~0.1 s, each reading a few hundred rows). A
failure raises naming each table, rule and row count (macros/columns_valid_test.sql).
fhir_appointments' status is checked here on daily runs only: a full build checks the staging view's
status (every version of every appointment). -#}
{%- set source_record_id = ['source_record_id'] -%}
{%- set checks = [
    (source('calls', 'calls_log'), source_record_id, {}, '__new_raw_rows__'),
    (source('calls', 'calls_voicemails'), source_record_id, {}, '__new_raw_rows__'),
    (source('eligibility', 'eligibility_responses'), source_record_id, {}, '__new_raw_rows__'),
    (source('email', 'email_events'), source_record_id, {}, '__new_raw_rows__'),
    (source('emr_csv', 'emr_csv_appointments'), source_record_id, {}, '__new_raw_rows__'),
    (source('emr_csv', 'emr_csv_patients'), source_record_id, {}, '__new_raw_rows__'),
    (source('emr_csv', 'emr_csv_referrals'), source_record_id, {}, '__new_raw_rows__'),
    (source('fax', 'fax_extractions'), source_record_id, {}, '__new_raw_rows__'),
    (source('fax', 'review_queue'), source_record_id, {}, '__new_raw_rows__'),
    (source('fax_corrections', 'fax_corrections'), ['source_record_id', 'fax_record_id'], {}, '__new_raw_rows__'),
    (source('fhir', 'fhir_patients'), source_record_id, {}, '__new_raw_rows__'),
    (source('fhir', 'fhir_service_requests'), source_record_id, {}, '__new_raw_rows__'),
    (source('fhir', 'fhir_coverages'), source_record_id, {}, '__new_raw_rows__'),
    (source('fhir', 'fhir_appointments'), [], {'status': ['proposed', 'pending', 'booked', 'arrived',
        'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist']},
        '__new_raw_rows__ and not __full_build_only__'),
    (source('hl7v2', 'hl7v2_appointments'), source_record_id, {}, '__new_raw_rows__'),
    (source('hl7v2', 'hl7v2_messages'), source_record_id, {}, '__new_raw_rows__'),
    (source('hl7v2', 'hl7v2_patient_updates'), source_record_id, {}, '__new_raw_rows__'),
    (source('hl7v2', 'hl7v2_referrals'), source_record_id, {}, '__new_raw_rows__'),
    (source('outcomes', 'outcomes'), source_record_id, {}, '__new_raw_rows__'),
    (source('sms', 'sms_messages'), source_record_id, {}, '__new_raw_rows__'),
    (source('web', 'web_events'), source_record_id, {}, '__new_raw_rows__'),
    (source('webforms', 'webforms_submissions'), ['source_record_id', 'received_at'], {}, '__new_raw_rows__'),
] -%}
{%- set failures = [] -%}
{%- for relation, not_null, accepted_values, where in checks -%}
    {%- set rows = '(select * from ' ~ relation ~ ' where ' ~ render_test_scope(where, relation) ~ ')' -%}
    {%- do failures.append(columns_valid_failures(rows, relation.schema ~ '.' ~ relation.identifier, not_null,
        accepted_values)) -%}
{%- endfor -%}
{{ columns_valid_raise(failures) }}
