-- The composite, both views. Loop weights are equal before the fog; each loop's weight is then
-- multiplied by its confidence, so fogged loops count less but do not move the score by being fogged.
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
        max(loop_score) filter (where loop_name = 'policy_error') as loop_policy_error,
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
    (
        coalesce(w_policy_error * loop_policy_error, 0) + coalesce(w_ai_leverage * loop_ai_leverage, 0)
        + coalesce(w_private_credit * loop_private_credit, 0) + coalesce(w_k_shape * loop_k_shape, 0)
        + coalesce(w_concentration * loop_concentration, 0) + coalesce(w_repo * repo_stress, 0)
    ) / nullif(
        case when loop_policy_error is null then 0 else w_policy_error end
        + case when loop_ai_leverage is null then 0 else w_ai_leverage end
        + case when loop_private_credit is null then 0 else w_private_credit end
        + case when loop_k_shape is null then 0 else w_k_shape end
        + case when loop_concentration is null then 0 else w_concentration end
        + case when repo_stress is null then 0 else w_repo end, 0
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
