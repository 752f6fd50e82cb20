-- Daily log returns of bitcoin, the Nasdaq and the S&P 500 on their common trading days, with
-- the date each return became known (the later of the two publications). Prices are not revised,
-- so one history serves both views; only the knowledge date differs.
with

prices as (
    select
        series_id,
        obs_date,
        value,
        known_at
    from {{ ref('int_series_timeline') }}
    where view_name = 'as_known' and series_id in ('CBBTCUSD', 'NASDAQCOM', 'SP500')
),

wide as (
    select
        obs_date,
        max(value) filter (where series_id = 'CBBTCUSD') as btc,
        max(value) filter (where series_id = 'NASDAQCOM') as nasdaq,
        max(value) filter (where series_id = 'SP500') as spx,
        max(known_at) as known_at
    from prices
    group by obs_date
    having count(*) filter (where series_id in ('CBBTCUSD', 'NASDAQCOM')) = 2
)

select
    obs_date,
    known_at,
    btc,
    nasdaq,
    ln(btc / lag(btc) over w) as btc_return,
    ln(nasdaq / lag(nasdaq) over w) as nasdaq_return
from wide
window w as (order by obs_date)
