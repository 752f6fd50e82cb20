-- The hedge check in the stress windows: how bitcoin, gold and the Nasdaq moved from the start to
-- the end of each window, and the deepest peak-to-trough drawdown of each inside it.
with

windows as (
    select
        w.window_name,
        w.window_start,
        w.window_end
    from (
        values
        ('Q4 2018 sell-off', date '2018-10-01', date '2018-12-31'),
        ('Sept 2019 repo spike', date '2019-09-01', date '2019-09-30'),
        ('March 2020', date '2020-02-19', date '2020-03-31'),
        ('2022 hikes', date '2022-01-01', date '2022-10-31'),
        ('March 2023 bank stress', date '2023-03-01', date '2023-03-31'),
        ('Oct-Nov 2025 shutdown', date '2025-10-01', date '2025-11-21')
    ) as w (window_name, window_start, window_end)
),

inside as (
    select
        w.window_name,
        w.window_start,
        w.window_end,
        r.obs_date,
        r.btc,
        r.gold,
        r.nasdaq,
        r.btc / max(r.btc) over run - 1.0 as btc_dd,
        r.gold / max(r.gold) over run - 1.0 as gold_dd,
        r.nasdaq / max(r.nasdaq) over run - 1.0 as nasdaq_dd
    from windows as w
    inner join {{ ref('int_hedge_returns') }} as r on r.obs_date between w.window_start and w.window_end
    window run as (partition by w.window_name order by r.obs_date rows between unbounded preceding and current row)
)

select
    window_name,
    min(window_start) as window_start,
    min(window_end) as window_end,
    count(*) as trading_days,
    arg_max(btc, obs_date) / arg_min(btc, obs_date) - 1.0 as btc_return,
    arg_max(gold, obs_date) / arg_min(gold, obs_date) - 1.0 as gold_return,
    arg_max(nasdaq, obs_date) / arg_min(nasdaq, obs_date) - 1.0 as nasdaq_return,
    min(btc_dd) as btc_max_drawdown,
    min(gold_dd) as gold_max_drawdown,
    min(nasdaq_dd) as nasdaq_max_drawdown
from inside
group by window_name
