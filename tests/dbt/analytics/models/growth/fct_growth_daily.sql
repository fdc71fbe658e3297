{{ config(group='growth_experiments') }}
select s.signup_date as date, e.experiment_arm, count(distinct s.user_id) as signups
from {{ ref('stg_signups') }} s join {{ ref('stg_app_events') }} e using (user_id)
group by 1, 2
