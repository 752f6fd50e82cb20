-- The data fog, per day, as known that day: which loop inputs are late, cancelled, stale or heavily
-- revised (int_input_status_daily), the fog index (their weighted share) and each loop's confidence.
-- Weights: an input weighs the length of its period in days (a quarter of GDP 91, a month of CPI 30,
-- a week of H.4.1 7, a day of a market rate 1): what a late or cancelled release takes away is a whole
-- period of information, and daily market prices are never fogged for long. A heavy revision counts
-- half (the value is there, but what was known before was wrong).
{% set loops = ['policy_error', 'repo_radar', 'ai_leverage', 'k_shape', 'concentration', 'private_credit'] %}
with

status as (
    select
        *,
        case frequency when 'D' then 1.0 when 'W' then 7.0 when 'M' then 30.0 when 'Q' then 91.0 else 365.0 end
            as input_weight,
        case input_status when 'ok' then 0.0 when 'revised' then 0.5 else 1.0 end as fog_severity
    from {{ ref('int_input_status_daily') }}
    where is_loop_input
),

per_day as (
    select
        as_of_date,
        count(*) as inputs_total,
        count(*) filter (where input_status = 'ok') as inputs_ok,
        count(*) filter (where input_status = 'stale') as inputs_stale,
        count(*) filter (where input_status = 'late') as inputs_late,
        count(*) filter (where input_status = 'cancelled') as inputs_cancelled,
        count(*) filter (where input_status = 'revised') as inputs_revised,
        sum(input_weight * fog_severity) / sum(input_weight) as fog_index,
        {% for loop_name in loops %}
            1.0 - sum(input_weight * fog_severity) filter (where loop_name = '{{ loop_name }}')
            / sum(input_weight) filter (where loop_name = '{{ loop_name }}') as confidence_{{ loop_name }},
        {% endfor %}
        string_agg(series_id, ', ' order by series_id) filter (where input_status = 'stale') as stale_inputs,
        string_agg(series_id || ' ' || days_late || 'd', ', ' order by days_late desc, series_id asc)
        filter (where input_status = 'late') as late_inputs,
        string_agg(
            series_id || ' ' || strftime(cancelled_period, '%Y-%m') || ' cancelled', '; '
            order by cancelled_period, series_id
        ) filter (where input_status = 'cancelled'
        ) as cancelled_inputs,
        string_agg(
            series_id || ' ' || strftime(heavy_revision_period, '%Y-%m') || ' '
            || printf('%+.2f%%', 100 * heavy_revision_rel), ', ' order by series_id
        )
        filter (where input_status = 'revised') as revised_inputs
    from status
    group by as_of_date
),

scored as (
    select
        p.*,
        1.0 - p.fog_index as confidence,
        case when 1.0 - p.fog_index >= 0.9 then 'high' when 1.0 - p.fog_index >= 0.75 then 'medium' else 'low' end
            as confidence_label
    from per_day as p
)

select
    as_of_date,
    inputs_total,
    inputs_ok,
    inputs_stale,
    inputs_late,
    inputs_cancelled,
    inputs_revised,
    fog_index,
    confidence,
    confidence_label,
    {% for loop_name in loops %}
        confidence_{{ loop_name }},
    {% endfor %}
    stale_inputs,
    late_inputs,
    cancelled_inputs,
    revised_inputs,
    'confidence: ' || confidence_label || ' (' || printf('%.2f', confidence) || ') — '
    || (inputs_total - inputs_ok) || ' of ' || inputs_total || ' inputs fogged'
    || case when inputs_total > inputs_ok
            then ' (' || concat_ws(
                    ', ',
                    case when inputs_late > 0 then inputs_late || ' late' end,
                    case when inputs_cancelled > 0 then inputs_cancelled || ' cancelled' end,
                    case when inputs_stale > 0 then inputs_stale || ' stale' end,
                    case when inputs_revised > 0 then inputs_revised || ' heavily revised' end
                ) || ')'
        else ''
    end
    || coalesce('; ' || cancelled_inputs, '')
    || coalesce('; late: ' || late_inputs, '')
    || coalesce('; stale: ' || stale_inputs, '')
    || coalesce('; revised: ' || revised_inputs, '') as fog_note
from scored
