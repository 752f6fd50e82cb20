-- Loop 4, the K-shaped economy: the young lose jobs first, subprime borrowers fall behind,
-- wealth concentrates at the top, households disagree about inflation, first homes come later.
with

wide as (
    select * from {{ ref('int_inputs_daily_wide') }}
),

buyer_age as (
    select
        median_age,
        published_on
    from {{ ref('first_time_buyer_age') }}
)

select
    w.view_name,
    w.as_of_date,
    w.lns14024887 as youth_unemployment,
    w.lns14000060 as prime_age_unemployment,
    w.lns14024887 - w.lns14000060 as youth_prime_gap,
    w.drclacbs as consumer_delinquency,
    w.wfrbst01134 as top1_wealth_share,
    w.wfrbsb50215 as bottom50_wealth_share,
    w.wfrbst01134 / nullif(w.wfrbsb50215, 0) as top1_to_bottom50_wealth_ratio,
    w.mich as inflation_expectations_1y,
    w.umcsent as consumer_sentiment,
    b.median_age as first_time_buyer_median_age,
    w.lns14024887_age_days as youth_unemployment_age_days
from wide as w
asof left join buyer_age as b on w.as_of_date >= b.published_on
