select * from {{ source('raw', 'app_events') }}
