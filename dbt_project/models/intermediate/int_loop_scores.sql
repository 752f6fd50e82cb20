-- Loop scores: the mean of the loop's indicator scores (each 0..100, standardised against its own
-- history as known that day). A loop is "in stress" when its mean z is at or above the expanding
-- 80th percentile of its own past. Policy error adds the fog: tightening (tightness score above 50)
-- while the growth data is stale or cancelled counts extra, in proportion to the fogged share.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

loop_raw as (
    select
        view_name,
        as_of_date,
        loop_name,
        avg(score) as mean_score,
        -- rounded: a parallel sum adds in any order, and a loop whose inputs stand still sits exactly on
        -- its own 80th percentile, so the last bits would flip in_stress from one build to the next
        round(avg(z_score), 9) as mean_z,
        avg(score) filter (
            where indicator in ('real_policy_rate', 'taylor_gap', 'fed_assets_13w_pct_change')
        ) as tightness_score,
        count(*) as n_indicators
    from {{ ref('int_indicator_scores') }}
    where z_score is not null
    group by view_name, as_of_date, loop_name
),

adjusted as (
    select
        l.*,
        case
            when l.loop_name = 'policy_error' and l.view_name = 'as_known'
                then least(
                        100.0, l.mean_score
                        + coalesce(f.growth_fog_share, 0.0) * greatest(coalesce(l.tightness_score, 50.0) - 50.0, 0.0)
                    )
            else l.mean_score
        end as loop_score
    from loop_raw as l
    left join {{ ref('int_growth_fog_daily') }} as f using (as_of_date)
),

flagged as (
    select
        *,
        mean_z >= quantile_cont(mean_z, {{ var('stress_quantile') }}) over (
            partition by view_name, loop_name order by as_of_date
            rows between unbounded preceding and current row
        ) as at_or_above_own_p80,
        count(*) over (
            partition by view_name, loop_name order by as_of_date
            rows between unbounded preceding and current row
        ) as history_days
    from adjusted
)

select
    view_name,
    as_of_date,
    loop_name,
    n_indicators,
    mean_z,
    tightness_score,
    loop_score,
    mean_score as composite_input_score,
    coalesce(at_or_above_own_p80 and history_days >= {{ var('min_history_days') }}, false) as in_stress
from flagged
{{ recompute_filter() }}
