-- The data fog, per day: which loop inputs are stale or cancelled as known that day, the fog index
-- (share of inputs fogged) and the confidence of each loop (1 - its fogged share).
with

status as (
    select * from {{ ref('int_input_status_daily') }}
),

per_day as (
    select
        as_of_date,
        count(*) as inputs_total,
        count(*) filter (where input_status = 'ok') as inputs_ok,
        count(*) filter (where input_status = 'stale') as inputs_stale,
        count(*) filter (where input_status = 'cancelled') as inputs_cancelled,
        {% for loop_name in ['policy_error', 'repo_radar', 'ai_leverage', 'k_shape', 'concentration', 'private_credit'] %}
        1.0 - avg(case when input_status = 'ok' then 0.0 else 1.0 end)
            filter (where loop_name = '{{ loop_name }}') as confidence_{{ loop_name }},
        {% endfor %}
        string_agg(
            distinct case when input_status = 'cancelled'
                then series_id || ' ' || strftime(cancelled_period, '%Y-%m') || ' cancelled' end,
            '; ' order by case when input_status = 'cancelled'
                then series_id || ' ' || strftime(cancelled_period, '%Y-%m') || ' cancelled' end
        ) as cancelled_inputs,
        string_agg(distinct case when input_status = 'stale' then series_id end, ', ') as stale_inputs
    from status
    group by as_of_date
),

scored as (
    select
        *,
        (inputs_total - inputs_ok)::double / nullif(inputs_total, 0) as fog_index,
        1.0 - (inputs_total - inputs_ok)::double / nullif(inputs_total, 0) as confidence
    from per_day
)

select
    as_of_date,
    inputs_total,
    inputs_ok,
    inputs_stale,
    inputs_cancelled,
    fog_index,
    confidence,
    case when confidence >= 0.9 then 'high' when confidence >= 0.75 then 'medium' else 'low' end
        as confidence_label,
    confidence_policy_error,
    confidence_repo_radar,
    confidence_ai_leverage,
    confidence_k_shape,
    confidence_concentration,
    confidence_private_credit,
    stale_inputs,
    cancelled_inputs,
    'confidence: ' || case when confidence >= 0.9 then 'high' when confidence >= 0.75 then 'medium' else 'low' end
        || ' — ' || (inputs_total - inputs_ok) || ' of ' || inputs_total || ' inputs stale or cancelled'
        || coalesce('; ' || cancelled_inputs, '') as fog_note
from scored
