-- Repo radar from the published percentiles, per view, day and reference rate: the share of volume at or
-- above the interest rate on reserves, spreads over it, and reserves against an "ample" level.
-- Each rate is compared with the reserve rate in force on the rate's own observation date (a rate for
-- Thursday, published Friday, is set against Thursday's IORB): IORB from 2021-07-29, IOER up to
-- 2021-07-28 (it was discontinued; it is never carried past that day).
-- SOFR comes from FRED; TGCR and BGCR from the NY Fed (as known: the newest date's newest version
-- published by that day; revised: the last version of each date, from the day the date was first
-- published).
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

wide as (
    select * from {{ ref('int_inputs_daily_wide') }}
),

nyfed_versions as (
    select
        rate_type,
        effective_date,
        rate_pct,
        p1,
        p25,
        p75,
        p99,
        volume_bn,
        published_on,
        published_at,
        min(published_on) over (partition by rate_type, effective_date) as first_published_on
    from {{ ref('stg_nyfed__reference_rates') }}
    where rate_type in ('TGCR', 'BGCR')
),

nyfed_published as (
    select *
    from nyfed_versions
    qualify row_number() over (
            partition by rate_type, published_on order by effective_date desc, published_at desc
        ) = 1
),

nyfed_latest as (
    select *
    from nyfed_versions
    qualify row_number() over (partition by rate_type, effective_date order by published_at desc) = 1
),

nyfed_views as (
    select
        'as_known' as view_name,
        published_on as visible_from,
        * exclude (published_on, published_at)
    from nyfed_published
    union all
    select
        'revised' as view_name,
        first_published_on as visible_from,
        * exclude (published_on, published_at)
    from nyfed_latest
),

nyfed_grid as (
    select
        w.view_name,
        w.as_of_date,
        r.rate_type
    from wide as w
    cross join (values ('TGCR'), ('BGCR')) as r (rate_type)
),

nyfed_daily as (
    select
        g.view_name,
        g.as_of_date,
        g.rate_type,
        n.effective_date as rate_date,
        n.p1,
        n.p25,
        n.rate_pct as p50,
        n.p75,
        n.p99,
        n.volume_bn
    from nyfed_grid as g
    asof inner join nyfed_views as n
        on g.view_name = n.view_name and g.rate_type = n.rate_type and g.as_of_date >= n.visible_from
),

fred_sofr as (
    select
        view_name,
        as_of_date,
        'SOFR' as rate_type,
        sofr_obs_date as rate_date,
        -- the percentiles and the volume are published with the rate, for the same date
        case when sofr1_obs_date = sofr_obs_date then sofr1 end as p1,
        case when sofr25_obs_date = sofr_obs_date then sofr25 end as p25,
        sofr as p50,
        case when sofr75_obs_date = sofr_obs_date then sofr75 end as p75,
        case when sofr99_obs_date = sofr_obs_date then sofr99 end as p99,
        case when sofrvol_obs_date = sofr_obs_date then sofrvol end as volume_bn
    from wide
    where sofr is not null
),

rates as (
    select * from fred_sofr
    union all by name
    select * from nyfed_daily
),

reserve_rates as (
    select
        series_id,
        obs_date,
        value
    from {{ ref('int_daily_history') }}
    where (series_id = 'IORB' and obs_date >= date '2021-07-29')
        or (series_id = 'IOER' and obs_date <= date '2021-07-28')
),

rates_with_threshold_series as (
    select
        *,
        case when rate_date >= date '2021-07-29' then 'IORB' else 'IOER' end as threshold_series
    from rates
),

with_threshold as (
    select
        r.*,
        t.obs_date as threshold_date,
        t.value as threshold_value
    from rates_with_threshold_series as r
    asof left join reserve_rates as t
        on r.threshold_series = t.series_id and r.rate_date >= t.obs_date
),

aligned as (
    select
        a.* exclude (threshold_value),
        -- a reserve rate more than a week older than the rate's date is missing data, not the rate in force
        case when a.rate_date - a.threshold_date <= 7 then a.threshold_value end as iorb,
        w.wresbal / 1000.0 as reserves_bn,  -- FRED publishes WRESBAL in $mn
        w.gdp as gdp_bn
    from with_threshold as a
    inner join wide as w using (view_name, as_of_date)
)

select
    view_name,
    as_of_date,
    rate_type,
    rate_date,
    threshold_series,
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
    -- basis points, to 1/10000 of a basis point (rates are published to 2-5 decimals of a percent)
    round(100.0 * (p50 - iorb), 4) as spread_bp,
    round(100.0 * (p99 - iorb), 4) as p99_spread_bp,
    reserves_bn,
    100.0 * reserves_bn / nullif(gdp_bn, 0) as reserves_to_gdp_pct,
    -- "ample" taken as reserves of 10% of GDP: below it, repo rates start to trade through IORB
    100.0 * reserves_bn / nullif(gdp_bn, 0) - 10.0 as reserves_above_ample_pct
from aligned
{{ recompute_filter() }}
