-- Rolling 60- and 120-day beta and correlation of bitcoin against the Nasdaq, and drawdown from
-- the running peak; joined to the calendar as of the day each window was complete and published.
with

rolling as (
    select
        obs_date,
        known_at,
        btc,
        regr_slope(btc_return, nasdaq_return) over w60 as btc_beta_60d,
        corr(btc_return, nasdaq_return) over w60 as btc_corr_60d,
        regr_slope(btc_return, nasdaq_return) over w120 as btc_beta_120d,
        corr(btc_return, nasdaq_return) over w120 as btc_corr_120d,
        count(btc_return) over w60 as n60,
        btc / max(btc) over (order by obs_date rows between unbounded preceding and current row) - 1.0
            as btc_drawdown
    from {{ ref('int_hedge_returns') }}
    window
        w60 as (order by obs_date rows between 59 preceding and current row),
        w120 as (order by obs_date rows between 119 preceding and current row)
),

views as (
    select
        'as_known' as view_name,
        known_at as visible_from,
        * exclude (known_at)
    from rolling
    where n60 = 60
    union all
    select
        'revised' as view_name,
        obs_date as visible_from,
        * exclude (known_at)
    from rolling
    where n60 = 60
),

days as (
    select
        v.view_name,
        d.as_of_date
    from {{ ref('int_calendar_days') }} as d
    cross join (values ('as_known'), ('revised')) as v (view_name)
)

select
    d.view_name,
    d.as_of_date,
    r.obs_date as window_end_date,
    r.btc_beta_60d,
    r.btc_corr_60d,
    r.btc_beta_120d,
    r.btc_corr_120d,
    r.btc_drawdown,
    case
        when r.btc_corr_60d is null then null
        when r.btc_corr_60d >= 0.3 and r.btc_beta_60d >= 1.0 then 'risk-asset'
        when r.btc_corr_60d <= 0.0 then 'hedge'
        else 'mixed'
    end as btc_regime
from days as d
asof left join views as r
    on d.view_name = r.view_name and d.as_of_date >= r.visible_from
