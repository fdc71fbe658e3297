select date_trunc('month', date) as month, sum(profit) as profit from {{ ref('fct_profit_daily') }} group by 1
