-- Loop 2, AI / Big Tech leverage, one row per day as known that day.
with

structural as (
    select * from {{ ref('int_structural_loops_daily') }}
    where view_name = 'as_known'
),

spreads as (
    select * from {{ ref('int_credit_spread_indicators') }}
    where view_name = 'as_known'
),

score as (
    select as_of_date, loop_score, in_stress from {{ ref('int_loop_scores') }}
    where view_name = 'as_known' and loop_name = 'ai_leverage'
)

select
    s.as_of_date,
    s.companies_reporting,
    s.capex_ttm_bn,
    s.capex_to_operating_cash_flow,
    s.debt_funded_capex_share,
    s.net_debt_to_ebitda,
    s.lease_liabilities_bn,
    c.ig_oas,
    c.ig_oas_3m_change,
    c.hy_oas,
    c.hy_oas_3m_change,
    s.ai_set_weight as ai_set_index_weight,
    l.loop_score as ai_leverage_score,
    coalesce(l.in_stress, false) as in_stress
from structural as s
left join spreads as c using (as_of_date)
left join score as l using (as_of_date)
