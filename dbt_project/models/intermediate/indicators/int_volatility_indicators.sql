-- Stress loop "volatility": implied (VIX) and realised equity volatility. Realised volatility is the
-- annualised standard deviation of the Nasdaq Composite's daily log returns over its last 21 trading
-- days, computed on observation dates and known once the newest of them is published. Both views.
with

nasdaq as (
    select
        obs_date,
        available_from,
        ln(value / lag(value) over w) as log_return
    from {{ ref('int_daily_history') }}
    where series_id = 'NASDAQCOM'
    window w as (order by obs_date)
),

realised as (
    select
        obs_date,
        available_from,
        case
            when count(log_return) over w21 = 21 then sqrt(252.0) * stddev_samp(log_return) over w21
        end as nasdaq_realized_vol_21d
    from nasdaq
    window w21 as (order by obs_date rows between 20 preceding and current row)
),

known as (
    -- the window is known once its newest day is (prices are never revised: both views)
    select
        obs_date,
        max(available_from) over (order by obs_date rows between unbounded preceding and current row)
            as known_from,
        nasdaq_realized_vol_21d
    from realised
),

wide as (
    select
        view_name,
        as_of_date,
        vixcls
    from {{ ref('int_inputs_daily_wide') }}
)

select
    w.view_name,
    w.as_of_date,
    w.vixcls as vix,
    k.obs_date as realized_vol_obs_date,
    w.as_of_date - k.obs_date as realized_vol_age_days,
    k.nasdaq_realized_vol_21d
from wide as w
asof left join known as k on w.as_of_date >= k.known_from
