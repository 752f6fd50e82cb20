-- Vulnerability loop "K-shaped economy": the lower arm of the K falling behind. Every scored measure is a
-- 12-month change (the period a year earlier as known on the same day), not a level: levels of these
-- series drift with demographics and survey design, their changes show the divergence building up.
--   youth_prime_gap_change_12m   change of youth (16-24) minus prime-age (25-54) unemployment, pp
--   underemployment_change_12m   change of U-6 (unemployed, marginally attached, part time for economic reasons), pp
--   consumer_delinquency_change_4q   change of the consumer-loan delinquency rate over four quarters, pp
--   consumer_sentiment_change_12m    change of Michigan sentiment (scored with direction -1)
--   inflation_expectations_change_12m change of Michigan one-year inflation expectations, pp
--   wealth_ratio_change_4q       change of the top-1% to bottom-50% net-worth share ratio over four quarters
-- Both views, one row per day; the levels are kept for analysts.
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
    (w.lns14024887 - w.lns14000060) - (w.lns14024887_1y_ago - w.lns14000060_1y_ago) as youth_prime_gap_change_12m,
    w.u6rate as underemployment_rate,
    w.u6rate - w.u6rate_1y_ago as underemployment_change_12m,
    w.drclacbs as consumer_delinquency,
    w.drclacbs - w.drclacbs_1y_ago as consumer_delinquency_change_4q,
    w.umcsent as consumer_sentiment,
    w.umcsent - w.umcsent_1y_ago as consumer_sentiment_change_12m,
    w.mich as inflation_expectations_1y,
    w.mich - w.mich_1y_ago as inflation_expectations_change_12m,
    w.wfrbst01134 as top1_wealth_share,
    w.wfrbsb50215 as bottom50_wealth_share,
    w.wfrbst01134 / nullif(w.wfrbsb50215, 0) as top1_to_bottom50_wealth_ratio,
    w.wfrbst01134 / nullif(w.wfrbsb50215, 0) - w.wfrbst01134_1y_ago / nullif(w.wfrbsb50215_1y_ago, 0)
        as wealth_ratio_change_4q,
    b.median_age as first_time_buyer_median_age
from wide as w
asof left join buyer_age as b on w.as_of_date >= b.published_on
