{{ config(tags=['scored']) }}

-- Speed to lead and time to appointment per receipt week and clinic: median hours to first contact,
-- share contacted within 30 minutes and 2 hours, median days from receipt to the evaluation booking.
select
    cast(date_trunc('week', received_at) as date) as week,
    clinic_id,
    cast(count(*) as integer) as received,
    median(hours_to_first_contact) as median_hours_to_first_contact,
    avg(case when hours_to_first_contact <= 0.5 then 1.0 else 0.0 end) as share_contacted_30min,
    avg(case when hours_to_first_contact <= 2 then 1.0 else 0.0 end) as share_contacted_2h,
    median({{ seconds_between('received_at', 'scheduled_at') }} / 86400.0) as median_days_to_scheduled
from {{ ref('fct_leads') }}
group by all
