-- No-show rate of past appointments per month of start, clinic location and appointment type.
select
    cast(date_trunc('month', start_at) as date) as month,
    appointment_type,
    cast(count(*) as integer) as appointments,
    cast(count(*) filter (where is_no_show) as integer) as no_shows,
    count(*) filter (where is_no_show) / count(*) as no_show_rate
from {{ ref('fct_appointments') }}
where start_at <= {{ as_of() }} and status in ('fulfilled', 'arrived', 'checked-in', 'noshow')
group by all
