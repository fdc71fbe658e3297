select s.session_id, s.user_id, count(e.event_id) as events from {{ ref('stg_sessions') }} s left join {{ ref('stg_app_events') }} e using (session_id) group by 1, 2
