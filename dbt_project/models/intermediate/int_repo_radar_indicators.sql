-- Repo radar from the published percentiles: the share of volume at or above interest on reserves
-- (IORB; IOER before 2021-07-29), spreads over it, and reserves against an "ample" level.
-- SOFR comes from FRED; TGCR and BGCR from the NY Fed (as known: the latest row published by
-- that day; revised: the latest version of each date).
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
        published_at
    from {{ ref('stg_nyfed__reference_rates') }}
    where rate_type in ('TGCR', 'BGCR')
),

-- as known: on each publication day, the newest date's newest version
nyfed_published as (
    select *
    from nyfed_versions
    qualify row_number() over (
        partition by rate_type, published_on order by effective_date desc, published_at desc
    ) = 1
),

-- revised: the last version of each date, known on its own date
nyfed_latest as (
    select *
    from nyfed_versions
    qualify row_number() over (partition by rate_type, effective_date order by published_at desc) = 1
),

nyfed_views as (
    select 'as_known' as view_name, published_on as visible_from, * exclude (published_on, published_at)
    from nyfed_published
    union all
    select 'revised' as view_name, effective_date as visible_from, * exclude (published_on, published_at)
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
        coalesce(iorb, ioer) as iorb,
        sofr1 as p1,
        sofr25 as p25,
        sofr as p50,
        sofr75 as p75,
        sofr99 as p99,
        sofrvol as volume_bn,
        wresbal / 1000.0 as reserves_bn,  -- FRED publishes WRESBAL in $mn
        gdp as gdp_bn
    from wide
    where sofr is not null
),

rates as (
    select * from fred_sofr
    union all by name
    select
        d.*,
        coalesce(w.iorb, w.ioer) as iorb,
        w.wresbal / 1000.0 as reserves_bn,
        w.gdp as gdp_bn
    from nyfed_daily as d
    inner join wide as w using (view_name, as_of_date)
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
{{ recompute_filter() }}
