select s.user_id, s.signup_date, b.plan from {{ ref('stg_signups') }} s left join {{ ref('stg_subscriptions') }} b using (user_id)
