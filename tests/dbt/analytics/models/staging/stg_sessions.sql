select * from {{ source('raw', 'sessions') }}
