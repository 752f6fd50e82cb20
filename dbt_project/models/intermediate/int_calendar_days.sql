-- Every calendar day from the first observation of a loop input to the newest knowledge date
-- (the last vintage received). Marts have one row per day of this calendar.
with

bounds as (
    select
        min(o.obs_date) as first_day,
        max(o.realtime_start) as last_day
    from {{ ref('stg_fred__observations') }} as o
    inner join {{ ref('stg_catalog__series') }} as c using (series_id)
    where c.loop_name not in ('benchmark', 'scale_replica') and o.value is not null
),

days as (
    select unnest(generate_series(first_day, last_day, interval 1 day))::date as as_of_date
    from bounds
)

select
    as_of_date,
    extract(isodow from as_of_date) <= 5 as is_weekday
from days
