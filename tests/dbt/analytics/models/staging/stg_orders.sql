select o.*, r.refunded_amount from {{ source('raw', 'orders') }} o left join {{ source('raw', 'refunds') }} r using (order_id)
