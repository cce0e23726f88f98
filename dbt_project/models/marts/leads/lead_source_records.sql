-- Lineage of identity resolution: every ingested record that belongs to a lead.
with lead_records as (
    select
        source,
        source_file,
        source_record_id,
        lead_id,
        person_id
    from {{ ref('int_leads_resolved') }}
),

appointment_records as (
    select
        source,
        source_file,
        appointment_id as source_record_id,
        lead_id,
        person_id
    from {{ ref('int_lead_appointments') }}
)

select * from lead_records
union all
select * from appointment_records
