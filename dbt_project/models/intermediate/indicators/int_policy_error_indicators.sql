-- Stress loop "policy error": how tight policy is against inflation and a Taylor rule, what the market
-- prices, how fast the balance sheet shrinks and whether unemployment is rising. Both views, one row per
-- day. Explicit fallbacks where a series is absent (a file drop may hold only some of them):
--   policy rate: EFFR, else DFF (the same rate, daily with weekends);
--   inflation:   core CPI (CPILFESL) y/y, else headline CPI (CPIAUCSL) y/y;
-- the first one that is current that day (else the first one that exists, which then counts as stale);
-- each row says which one it used. The market path compares the 2-year yield with the policy rate of
-- the same observation date (both are published the next business day).
with

wide as (
    select * from {{ ref('int_inputs_daily_wide') }}
),

chosen as (
    select
        view_name,
        as_of_date,
        case when {{ use_first('effr', 'dff') }} then effr else dff end as policy_rate,
        case when {{ use_first('effr', 'dff') }} then 'EFFR' else 'DFF' end as policy_rate_series,
        case when {{ use_first('effr', 'dff') }} then effr_obs_date else dff_obs_date end as policy_rate_obs_date,
        case
            when {{ use_first('cpilfesl', 'cpiaucsl') }}
                then 100.0 * (cpilfesl / nullif(cpilfesl_1y_ago, 0) - 1.0)
            else 100.0 * (cpiaucsl / nullif(cpiaucsl_1y_ago, 0) - 1.0)
        end as inflation_yoy,
        case when {{ use_first('cpilfesl', 'cpiaucsl') }} then 'CPILFESL' else 'CPIAUCSL' end as inflation_series,
        dgs2_obs_date,
        unrate,
        unrate - unrate_3m_ago as unrate_3m_change,
        nrou,
        walcl,
        100.0 * (walcl / nullif(walcl_3m_ago, 0) - 1.0) as fed_assets_13w_pct_change,
        100.0 * (wshosho / nullif(wshosho_3m_ago, 0) - 1.0) as securities_13w_pct_change
    from wide
),

-- the 2-year yield and the policy rate on the same observation date: the older of the two newest dates
common_date as (
    select
        view_name,
        as_of_date,
        policy_rate_series,
        least(dgs2_obs_date, policy_rate_obs_date) as path_date
    from chosen
),

history as (
    select * from {{ ref('int_daily_history') }}
),

two_year as (
    select * from history
    where series_id = 'DGS2'
),

path as (
    select
        d.view_name,
        d.as_of_date,
        y.value - r.value as market_implied_path
    from common_date as d
    asof inner join two_year as y on d.path_date >= y.obs_date
    asof inner join history as r on d.policy_rate_series = r.series_id and d.path_date >= r.obs_date
)

select
    c.view_name,
    c.as_of_date,
    c.policy_rate,
    c.policy_rate_series,
    c.inflation_yoy,
    c.inflation_series,
    c.policy_rate - c.inflation_yoy as real_policy_rate,
    -- Taylor (1993) with r* = 0.5 and an Okun output gap of -2 x (unemployment - NROU)
    0.5 + c.inflation_yoy + 0.5 * (c.inflation_yoy - 2.0) + 0.5 * (-2.0 * (c.unrate - c.nrou)) as taylor_rate,
    c.policy_rate - (0.5 + c.inflation_yoy + 0.5 * (c.inflation_yoy - 2.0) + 0.5 * (-2.0 * (c.unrate - c.nrou)))
        as taylor_gap,
    p.market_implied_path,
    c.fed_assets_13w_pct_change,
    c.securities_13w_pct_change,
    c.unrate,
    c.unrate_3m_change
from chosen as c
left join path as p using (view_name, as_of_date)
