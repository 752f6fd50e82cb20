-- The composite, both views: a confidence-weighted power mean of the loop scores. Loop weights are
-- equal before the fog; each loop's weight is then multiplied by its confidence, so fogged loops
-- count less but do not move the score by being fogged.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

days as (
    select
        v.view_name,
        d.as_of_date
    from {{ ref('int_calendar_days') }} as d
    cross join (values ('as_known'), ('revised')) as v (view_name)
),

loops as (
    select
        view_name,
        as_of_date,
        -- the composite takes the fog through the confidence weights, not through the policy-error
        -- fog add-on (that would count the fog twice)
        max(composite_input_score) filter (where loop_name = 'policy_error') as loop_policy_error,
        max(loop_score) filter (where loop_name = 'ai_leverage') as loop_ai_leverage,
        max(loop_score) filter (where loop_name = 'private_credit') as loop_private_credit,
        max(loop_score) filter (where loop_name = 'k_shape') as loop_k_shape,
        max(loop_score) filter (where loop_name = 'concentration') as loop_concentration,
        max(loop_score) filter (where loop_name = 'repo_radar') as repo_stress,
        count(*) filter (where in_stress and loop_name <> 'repo_radar') as loops_in_stress
    from {{ ref('int_loop_scores') }}
    group by view_name, as_of_date
),

fog as (
    select * from {{ ref('fct_data_fog') }}
),

joined as (
    select
        d.view_name,
        d.as_of_date,
        l.* exclude (view_name, as_of_date),
        h.btc_regime as hedge_regime,
        -- hindsight has no fog: the revised view weighs every loop fully
        case when d.view_name = 'revised' then 1.0 else coalesce(f.confidence_policy_error, 1.0) end as w_policy_error,
        case when d.view_name = 'revised' then 1.0 else coalesce(f.confidence_ai_leverage, 1.0) end as w_ai_leverage,
        case when d.view_name = 'revised' then 1.0 else coalesce(f.confidence_private_credit, 1.0) end
            as w_private_credit,
        case when d.view_name = 'revised' then 1.0 else coalesce(f.confidence_k_shape, 1.0) end as w_k_shape,
        case when d.view_name = 'revised' then 1.0 else coalesce(f.confidence_concentration, 1.0) end
            as w_concentration,
        case when d.view_name = 'revised' then 1.0 else coalesce(f.confidence_repo_radar, 1.0) end as w_repo,
        case when d.view_name = 'revised' then 1.0 else f.confidence end as confidence
    from days as d
    left join loops as l using (view_name, as_of_date)
    left join {{ ref('int_hedge_regime_daily') }} as h using (view_name, as_of_date)
    left join fog as f on d.as_of_date = f.as_of_date
)

select
    view_name,
    as_of_date,
    -- power mean (p = composite_power): between the mean and the maximum, so stress that several
    -- loops share, or one extreme loop, weighs more than the same average spread thinly
    pow(
        (
            coalesce(w_policy_error * pow(loop_policy_error, {{ var('composite_power') }}), 0)
            + coalesce(w_ai_leverage * pow(loop_ai_leverage, {{ var('composite_power') }}), 0)
            + coalesce(w_private_credit * pow(loop_private_credit, {{ var('composite_power') }}), 0)
            + coalesce(w_k_shape * pow(loop_k_shape, {{ var('composite_power') }}), 0)
            + coalesce(w_concentration * pow(loop_concentration, {{ var('composite_power') }}), 0)
            + coalesce(w_repo * pow(repo_stress, {{ var('composite_power') }}), 0)
        ) / nullif(
            case when loop_policy_error is null then 0 else w_policy_error end
            + case when loop_ai_leverage is null then 0 else w_ai_leverage end
            + case when loop_private_credit is null then 0 else w_private_credit end
            + case when loop_k_shape is null then 0 else w_k_shape end
            + case when loop_concentration is null then 0 else w_concentration end
            + case when repo_stress is null then 0 else w_repo end, 0
        ),
        1.0 / {{ var('composite_power') }}
    ) as composite_score,
    loop_policy_error,
    loop_ai_leverage,
    loop_private_credit,
    loop_k_shape,
    loop_concentration,
    repo_stress,
    hedge_regime,
    coalesce(loops_in_stress, 0) as loops_in_stress,
    confidence
from joined
{{ recompute_filter() }}
