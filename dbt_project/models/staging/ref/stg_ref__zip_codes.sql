select
    zip,
    lat,
    lon,
    timezone,
    state,
    city
from {{ source('ref', 'zip_codes') }}
