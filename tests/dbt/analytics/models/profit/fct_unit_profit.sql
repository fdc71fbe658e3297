select o.order_id, o.unit_id, o.net_revenue - c.amount as unit_profit from {{ ref('stg_orders') }} o join {{ ref('stg_costs') }} c using (unit_id)
