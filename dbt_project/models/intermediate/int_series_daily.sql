-- Every loop input on every calendar day, in both views: the newest period known that day,
-- its value, its change features, and how old it is (for staleness and the data fog).
with

days as (
    select as_of_date from {{ ref('int_calendar_days') }}
),

series as (
    select distinct series_id from {{ ref('int_series_timeline') }}
),

grid as (
    select
        v.view_name,
        s.series_id,
        d.as_of_date
    from days as d
    cross join series as s
    cross join (values ('as_known'), ('revised')) as v (view_name)
),

timeline as (
    select * from {{ ref('int_series_timeline') }}
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
    g.as_of_date - t.obs_date as age_days
from grid as g
asof left join timeline as t
    on g.view_name = t.view_name
        and g.series_id = t.series_id
        and g.as_of_date >= t.known_at
