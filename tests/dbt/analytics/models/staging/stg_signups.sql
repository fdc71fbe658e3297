select * from {{ source('raw', 'signups') }}
