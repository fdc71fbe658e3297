select date_trunc('month', date) as month, sum(new_users) as new_users from {{ ref('fct_user_growth') }} group by 1
