select o.order_date as date, sum(o.net_revenue) - sum(c.amount) as profit from {{ ref('stg_orders') }} o join {{ ref('stg_costs') }} c using (order_date) group by 1
