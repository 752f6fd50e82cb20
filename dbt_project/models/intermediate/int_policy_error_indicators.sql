-- Loop 1, policy error: how tight policy is, how fast the balance sheet shrinks, and how weak
-- (or fogged) the growth data it reacts to is. Both views, one row per day.
with

wide as (
    select * from {{ ref('int_inputs_daily_wide') }}
),

inputs as (
    select
        view_name,
        as_of_date,
        effr,
        dgs2,
        100.0 * (cpilfesl / nullif(cpilfesl_1y_ago, 0) - 1.0) as core_inflation_yoy,
        unrate,
        unrate - unrate_3m_ago as unrate_3m_change,
        nrou,
        walcl,
        100.0 * (walcl / nullif(walcl_3m_ago, 0) - 1.0) as fed_assets_13w_pct_change,
        100.0 * (wshosho / nullif(wshosho_3m_ago, 0) - 1.0) as securities_13w_pct_change,
        wresbal / 1000.0 as wresbal,
        gdp,
        rrpontsyd as on_rrp_bn,
        wtregen / 1000.0 as tga_bn,
        cpilfesl_age_days,
        unrate_age_days
    from wide
)

select
    view_name,
    as_of_date,
    effr,
    core_inflation_yoy,
    effr - core_inflation_yoy as real_policy_rate,
    -- Taylor (1993) with r* = 0.5 and an Okun output gap of -2 x (unemployment - NROU)
    0.5 + core_inflation_yoy + 0.5 * (core_inflation_yoy - 2.0) + 0.5 * (-2.0 * (unrate - nrou)) as taylor_rate,
    effr - (0.5 + core_inflation_yoy + 0.5 * (core_inflation_yoy - 2.0) + 0.5 * (-2.0 * (unrate - nrou)))
        as taylor_gap,
    dgs2 - effr as market_implied_path,
    fed_assets_13w_pct_change,
    securities_13w_pct_change,
    100.0 * wresbal / nullif(gdp, 0) as reserves_to_gdp_pct,
    on_rrp_bn,
    tga_bn,
    unrate,
    unrate_3m_change,
    cpilfesl_age_days as core_inflation_age_days,
    unrate_age_days
from inputs
