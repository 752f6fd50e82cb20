-- The repo radar, one row per day and reference rate, as known that day: each rate against the reserve
-- rate of its own observation date, the share of volume at or above it (bracket and estimate), spreads,
-- reserves; with the funding loop's score that day.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

joined as (
    select
        r.*,
        l.loop_score as funding_score,
        l.confidence as funding_confidence
    from {{ ref('int_repo_radar_indicators') }} as r
    left join {{ ref('int_loop_scores') }} as l
        on r.view_name = l.view_name and r.as_of_date = l.as_of_date and l.loop_name = 'funding'
    where r.view_name = 'as_known'
)

select * exclude (view_name)
from joined
{{ recompute_filter() }}
