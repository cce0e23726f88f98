select
    id as therapist_id,
    name as therapist_name,
    clinic_id,
    specialties
from {{ source('ref', 'therapists') }}
