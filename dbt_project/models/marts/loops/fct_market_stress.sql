-- Stress loops credit and volatility, one row per day as known that day: spreads, implied and realised
-- volatility, each loop's score and confidence.
with

credit as (
    {{ loop_mart('int_credit_indicators', 'credit', 'as_known') }}
),

volatility as (
    {{ loop_mart('int_volatility_indicators', 'volatility', 'as_known') }}
)

select
    c.as_of_date,
    c.ig_oas,
    c.ig_oas_3m_change,
    c.hy_oas,
    c.hy_oas_3m_change,
    c.credit_score,
    c.credit_confidence,
    c.in_stress as credit_in_stress,
    v.vix,
    v.nasdaq_realized_vol_21d,
    v.realized_vol_obs_date,
    v.volatility_score,
    v.volatility_confidence,
    v.in_stress as volatility_in_stress
from credit as c
inner join volatility as v using (as_of_date)
