select * from {{ source('raw', 'costs') }}
