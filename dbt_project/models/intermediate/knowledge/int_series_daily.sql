-- Every catalog series on every calendar day from the day it was first known, in both views: the newest
-- period available that day, its value, its change features, how old it is and whether it is still
-- current (age within the catalog's stale_after_days: an older value is fog, not news).
with

days as (
    select as_of_date from {{ ref('int_calendar_days') }}
),

timeline as (
    select * from {{ ref('int_series_timeline') }}
),

starts as (
    select
        view_name,
        series_id,
        min(known_at) as first_known
    from timeline
    group by view_name, series_id
),

grid as (
    select
        s.view_name,
        s.series_id,
        d.as_of_date
    from starts as s
    inner join days as d on s.first_known <= d.as_of_date
),

catalog as (
    select
        series_id,
        stale_after_days
    from {{ ref('stg_catalog__series') }}
)

select
    g.view_name,
    g.as_of_date,
    g.series_id,
    t.obs_date,
    t.known_at,
    t.value,
    t.value_3m_ago,
    t.value_1y_ago,
    g.as_of_date - t.obs_date as age_days,
    g.as_of_date - t.obs_date <= c.stale_after_days as is_current
from grid as g
asof inner join timeline as t
    on g.view_name = t.view_name
        and g.series_id = t.series_id
        and g.as_of_date >= t.known_at
inner join catalog as c on g.series_id = c.series_id
