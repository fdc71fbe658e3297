select signup_date as date, count(*) as new_users from {{ ref('int_user_cohorts') }} group by 1
