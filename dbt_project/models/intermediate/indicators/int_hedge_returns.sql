-- Daily log returns of bitcoin, gold, the Nasdaq and a net-liquidity proxy (Fed total assets -
-- TGA - ON RRP, $mn, as known that day) on Nasdaq trading days, with the date each row became
-- known (the latest publication among its inputs). Prices are not revised, so one history serves
-- both views; only the knowledge date differs.
with

prices as (
    select
        series_id,
        obs_date,
        value,
        available_from as known_at
    from {{ ref('int_daily_history') }}
    where series_id in ('CBBTCUSD', 'NASDAQCOM')
),

market as (
    select
        obs_date,
        max(value) filter (where series_id = 'CBBTCUSD') as btc,
        max(value) filter (where series_id = 'NASDAQCOM') as nasdaq,
        max(known_at) as known_at
    from prices
    group by obs_date
    having count(*) filter (where series_id = 'NASDAQCOM') = 1
),

gold as (
    select
        price_date,
        price_usd,
        known_from
    from {{ ref('stg_gold__prices') }}
    where frequency = 'D'
    qualify row_number() over (partition by price_date order by known_from desc) = 1
),

liquidity as (
    select
        as_of_date,
        walcl - wtregen - 1000.0 * rrpontsyd as net_liquidity_mn
    from {{ ref('int_inputs_daily_wide') }}
    where view_name = 'as_known'
),

joined as (
    select
        m.obs_date,
        greatest(m.known_at, coalesce(g.known_from, m.known_at)) as known_at,
        m.btc,
        g.price_usd as gold,
        m.nasdaq,
        l.net_liquidity_mn
    from market as m
    left join gold as g on m.obs_date = g.price_date
    left join liquidity as l on m.obs_date = l.as_of_date
)

select
    obs_date,
    known_at,
    btc,
    gold,
    nasdaq,
    net_liquidity_mn,
    ln(btc / lag(btc) over w) as btc_return,
    ln(gold / lag(gold) over w) as gold_return,
    ln(nasdaq / lag(nasdaq) over w) as nasdaq_return,
    ln(net_liquidity_mn / lag(net_liquidity_mn) over w) as net_liquidity_return
from joined
window w as (order by obs_date)
