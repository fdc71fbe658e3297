select cast(started_at as date) as date, count(*) as sessions, sum(events) as events from {{ ref('fct_sessions') }} s join {{ ref('stg_sessions') }} using (session_id) group by 1
