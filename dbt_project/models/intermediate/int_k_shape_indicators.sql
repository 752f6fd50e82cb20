-- Loop 4, the K-shaped economy: the young lose jobs first, subprime borrowers fall behind,
-- households disagree about inflation.
select
    view_name,
    as_of_date,
    lns14024887 as youth_unemployment,
    lns14000060 as prime_age_unemployment,
    lns14024887 - lns14000060 as youth_prime_gap,
    drclacbs as consumer_delinquency,
    mich as inflation_expectations_1y,
    umcsent as consumer_sentiment,
    lns14024887_age_days as youth_unemployment_age_days
from {{ ref('int_inputs_daily_wide') }}
