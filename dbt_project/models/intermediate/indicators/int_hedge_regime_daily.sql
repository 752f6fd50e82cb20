-- Rolling 60- and 120-trading-day OLS beta (regr_slope) and correlation of bitcoin and of gold
-- against the Nasdaq and against the net-liquidity proxy, drawdowns from the running peak, and a
-- regime label per asset; joined to the calendar from the day each window was complete and known.
with

rolling as (
    select
        obs_date,
        known_at,
        {% for asset in ['btc', 'gold'] %}
            regr_slope({{ asset }}_return, nasdaq_return) over w60 as {{ asset }}_beta_60d,
            corr({{ asset }}_return, nasdaq_return) over w60 as {{ asset }}_corr_60d,
            regr_slope({{ asset }}_return, nasdaq_return) over w120 as {{ asset }}_beta_120d,
            corr({{ asset }}_return, nasdaq_return) over w120 as {{ asset }}_corr_120d,
            regr_slope({{ asset }}_return, net_liquidity_return) over w60 as {{ asset }}_liquidity_beta_60d,
            corr({{ asset }}_return, net_liquidity_return) over w60 as {{ asset }}_liquidity_corr_60d,
            regr_slope({{ asset }}_return, net_liquidity_return) over w120 as {{ asset }}_liquidity_beta_120d,
            corr({{ asset }}_return, net_liquidity_return) over w120 as {{ asset }}_liquidity_corr_120d,
            {{ asset }} / max({{ asset }}) over (order by obs_date rows between unbounded preceding and current row) - 1.0
                as {{ asset }}_drawdown,
        {% endfor %}
        count(btc_return) over w60 as n60
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
    select * from {{ ref('int_view_days') }}
)

select
    d.view_name,
    d.as_of_date,
    r.obs_date as window_end_date,
{% for asset in ['btc', 'gold'] %}
    r.{{ asset }}_beta_60d,
    r.{{ asset }}_corr_60d,
    r.{{ asset }}_beta_120d,
    r.{{ asset }}_corr_120d,
    r.{{ asset }}_liquidity_beta_60d,
    r.{{ asset }}_liquidity_corr_60d,
    r.{{ asset }}_liquidity_beta_120d,
    r.{{ asset }}_liquidity_corr_120d,
    r.{{ asset }}_drawdown,
    case
        when r.{{ asset }}_corr_60d is null then null
        when r.{{ asset }}_corr_60d >= 0.3 and r.{{ asset }}_beta_60d >= 1.0 then 'risk-asset'
        when r.{{ asset }}_corr_60d <= 0.0 then 'hedge'
        else 'mixed'
    end as {{ asset }}_regime{{ "," if not loop.last }}  -- noqa: LT02
{% endfor %}
from days as d
asof left join views as r
    on d.view_name = r.view_name and d.as_of_date >= r.visible_from
