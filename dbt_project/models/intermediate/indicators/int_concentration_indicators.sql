-- Vulnerability loop "concentration", per view and day: the newest holdings snapshot known that day
-- (iShares ETF holdings, else a dated S&P 500 constituent snapshot) and the 12-month change of its
-- top-10 weight, Herfindahl index and AI / Big Tech set weight (int_index_concentration). Changes, not
-- levels: concentration trends up for a decade at a time, and a level measured against its own expanding
-- median would read "stressed" for all of it.
-- No snapshot a year earlier (a gap in the files) means no change, not a guess. A holdings snapshot is
-- not revised: both views see it from the day it was published.
with

changes as (
    select
        as_of_date as holdings_date,
        * exclude (as_of_date)
    from {{ ref('int_index_concentration') }}
),

-- one snapshot per publication day: the ETF holdings when both sources published that day
published as (
    select *
    from changes
    qualify row_number() over (
            partition by published_on order by holdings_date desc, weights_source = 'etf_holdings' desc
        ) = 1
),

days as (
    select * from {{ ref('int_view_days') }}
)

select
    d.view_name,
    d.as_of_date,
    p.holdings_date,
    p.weights_source,
    d.as_of_date - p.holdings_date as holdings_age_days,
    p.top10_weight,
    p.mag7_weight,
    p.ai_set_weight,
    p.hhi,
    p.effective_constituents,
    p.year_ago_date,
    p.top10_weight_change_12m,
    p.hhi_change_12m,
    p.ai_set_weight_change_12m
from days as d
asof left join published as p on d.as_of_date >= p.published_on
