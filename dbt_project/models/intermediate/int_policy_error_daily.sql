-- Policy-error indicators with the loop score and the growth-data fog, both views.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

indicators as (
    select * from {{ ref('int_policy_error_indicators') }}
),

loop_score as (
    select
        view_name,
        as_of_date,
        loop_score,
        in_stress
    from {{ ref('int_loop_scores') }}
    where loop_name = 'policy_error'
),

fog as (
    select
        as_of_date,
        growth_fog_share
    from {{ ref('int_growth_fog_daily') }}
)

select
    i.view_name,
    i.as_of_date,
    i.effr,
    i.core_inflation_yoy,
    i.real_policy_rate,
    i.taylor_rate,
    i.taylor_gap,
    i.market_implied_path,
    i.fed_assets_13w_pct_change,
    i.securities_13w_pct_change,
    i.reserves_to_gdp_pct,
    i.on_rrp_bn,
    i.tga_bn,
    i.unrate,
    i.unrate_3m_change,
    case when i.view_name = 'revised' then 0.0 else coalesce(f.growth_fog_share, 0.0) end as growth_fog_share,
    l.loop_score as policy_error_score,
    coalesce(l.in_stress, false) as in_stress
from indicators as i
left join loop_score as l using (view_name, as_of_date)
left join fog as f using (as_of_date)
{{ recompute_filter() }}
