-- Loop scores, per view, day and loop: the mean of the loop's indicator scores that day (each 0..100
-- against its own history as known then), the loop's confidence and whether it is in stress.
--   defined indicators: those that have had a score on or before that day (an input that never existed
--     in the warehouse does not count against a loop; one that went silent does);
--   confidence = sum of the scored indicators' freshness / number of defined indicators: a stale
--     holdings snapshot, a late jobs report or a cancelled CPI lowers it, inputs that feed nothing do not;
--   policy error in the fog (as known only): tightening (the tightness score above 50) while the growth
--     data is stale or cancelled adds growth_fog_share x (tightness - 50), capped at 100;
--   in_stress: the loop score at or above the expanding `stress_quantile` of its own history.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

scores as (
    select * from {{ ref('int_indicator_scores') }}
),

first_scored as (
    select
        view_name,
        reading,
        loop_name,
        indicator,
        min(as_of_date) as first_scored_on
    from scores
    where score is not null
    group by all
),

grid as (
    select
        f.view_name,
        d.as_of_date,
        f.reading,
        f.loop_name,
        f.indicator
    from first_scored as f
    inner join {{ ref('int_calendar_days') }} as d on f.first_scored_on <= d.as_of_date
),

per_indicator as (
    select
        g.*,
        s.score,
        case when s.score is not null then s.freshness else 0.0 end as freshness
    from grid as g
    left join scores as s using (view_name, as_of_date, indicator)
),

loop_raw as (
    select
        view_name,
        as_of_date,
        reading,
        loop_name,
        count(*) as indicators_defined,
        count(score) as indicators_scored,
        avg(score) as mean_score,
        sum(freshness) / count(*) as confidence,
        avg(score) filter (
            where indicator in ('real_policy_rate', 'taylor_gap', 'fed_assets_13w_pct_change')
        ) as tightness_score
    from per_indicator
    group by view_name, as_of_date, reading, loop_name
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
        -- rounded: a parallel average adds in any order, and a loop whose inputs stand still sits exactly
        -- on its own percentile, so the last bits would flip in_stress from one build to the next
        round(loop_score, 9) >= quantile_cont(round(loop_score, 9), {{ var('stress_quantile') }}) over (
            partition by view_name, loop_name order by as_of_date
            rows between unbounded preceding and current row
        ) as at_or_above_own_quantile,
        count(loop_score) over (
            partition by view_name, loop_name order by as_of_date
            rows between unbounded preceding and current row
        ) as history_days
    from adjusted
)

select
    view_name,
    as_of_date,
    reading,
    loop_name,
    indicators_defined,
    indicators_scored,
    mean_score,
    tightness_score,
    loop_score,
    confidence,
    indicators_scored > 0 and confidence > 0 as has_current_inputs,
    coalesce(
        loop_score is not null and at_or_above_own_quantile and history_days >= {{ var('min_history_days') }},
        false
    ) as in_stress
from flagged
{{ recompute_filter() }}
