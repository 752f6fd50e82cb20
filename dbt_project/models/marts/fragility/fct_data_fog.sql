-- The data fog, per day, as known that day: which inputs that feed an indicator are late, cancelled,
-- stale or heavily revised (int_data_fog_daily), the fog index, and the confidence of the composite, of
-- each reading and of each loop (int_readings_daily, from the freshness of the indicators' own inputs).
with

fog as (
    select * from {{ ref('int_data_fog_daily') }}
),

readings as (
    select * exclude (view_name)
    from {{ ref('int_readings_daily') }}
    where view_name = 'as_known'
),

joined as (
    select
        f.*,
        coalesce(r.confidence, 0.0) as confidence,
        r.stress_confidence,
        r.vulnerability_confidence,
        {%- for l in reading_loops()['stress'].keys() | list + reading_loops()['vulnerability'].keys() | list %}
            r.confidence_{{ l }},
        {%- endfor %}
        case
            when coalesce(r.confidence, 0.0) >= 0.9 then 'high'
            when coalesce(r.confidence, 0.0) >= 0.75 then 'medium'
            else 'low'
        end as confidence_label
    from fog as f
    left join readings as r using (as_of_date)
)

select
    *,
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
from joined
