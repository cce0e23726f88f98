-- Exact-match identity: normalised last name + DOB, else phone, else email, else the FHIR patient.
-- Records keyed only by phone or email adopt the name+DOB key of records sharing that phone/email.
-- (Probabilistic matching replaces this later; the grain and columns stay.)
with keyed as (
    select
        *,
        case
            when last_name_norm is not null and dob is not null
                then 'nd:' || last_name_norm || '|' || cast(dob as varchar)
        end as name_dob_key
    from {{ ref('int_source_records') }}
),

phone_links as (
    select
        phone_e164,
        min(name_dob_key) as name_dob_key
    from keyed
    where phone_e164 is not null and name_dob_key is not null
    group by phone_e164
    having count(distinct name_dob_key) = 1
),

email_links as (
    select
        email,
        min(name_dob_key) as name_dob_key
    from keyed
    where email is not null and name_dob_key is not null
    group by email
    having count(distinct name_dob_key) = 1
),

matched as (
    select
        keyed.*,
        coalesce(
            keyed.name_dob_key,
            phone_links.name_dob_key,
            email_links.name_dob_key,
            'ph:' || keyed.phone_e164,
            'em:' || keyed.email,
            'fp:' || keyed.fhir_patient_id,
            'rec:' || keyed.record_key
        ) as match_key
    from keyed
    left join phone_links on keyed.phone_e164 = phone_links.phone_e164
    left join email_links on keyed.email = email_links.email
)

select
    record_key,
    record_type,
    source,
    source_file,
    source_record_id,
    fhir_patient_id,
    received_at,
    is_lead,
    match_key,
    'P' || substr(md5(match_key), 1, 15) as person_id
from matched
