-- Repo radar from the SOFR percentiles: the share of volume at or above interest on reserves
-- (IORB; IOER before 2021-07-29), spreads over it, and reserves against an "ample" level.
with

wide as (
    select * from {{ ref('int_inputs_daily_wide') }}
),

rates as (
    select
        view_name,
        as_of_date,
        'SOFR' as rate_type,
        coalesce(iorb, ioer) as iorb,
        sofr1 as p1,
        sofr25 as p25,
        sofr as p50,
        sofr75 as p75,
        sofr99 as p99,
        sofrvol as volume_bn,
        wresbal as reserves_bn,
        gdp as gdp_bn
    from wide
    where sofr is not null
)

select
    view_name,
    as_of_date,
    rate_type,
    iorb,
    p1,
    p25,
    p50,
    p75,
    p99,
    volume_bn,
    {{ share_low('iorb', 'p1', 'p25', 'p50', 'p75', 'p99') }} as share_low,
    {{ share_high('iorb', 'p1', 'p25', 'p50', 'p75', 'p99') }} as share_high,
    {{ share_estimate('iorb', 'p1', 'p25', 'p50', 'p75', 'p99') }} as share_estimate,
    {{ share_estimate('iorb', 'p1', 'p25', 'p50', 'p75', 'p99') }} * volume_bn as volume_at_or_above_iorb_bn,
    100.0 * (p50 - iorb) as spread_bp,
    100.0 * (p99 - iorb) as p99_spread_bp,
    reserves_bn,
    100.0 * reserves_bn / nullif(gdp_bn, 0) as reserves_to_gdp_pct,
    -- "ample" taken as reserves of 10% of GDP: below it, repo rates start to trade through IORB
    100.0 * reserves_bn / nullif(gdp_bn, 0) - 10.0 as reserves_above_ample_pct
from rates
