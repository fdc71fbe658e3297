select * from {{ source('raw', 'subscriptions') }}
