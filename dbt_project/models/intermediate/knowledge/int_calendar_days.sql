-- Every calendar day from the first period available of a loop input to the newest knowledge date
-- (the last vintage received: the warehouse's "today"). Marts have one row per day of this calendar.
with

loop_inputs as (
    select series_id
    from {{ ref('stg_catalog__series') }}
    where loop_name not in ('benchmark', 'scale_replica')
),

bounds as (
    select
        (
            select min(greatest(v.known_from, v.obs_date)) from {{ ref('int_observation_vintages') }} as v
            inner join loop_inputs using (series_id)
            where v.value is not null
        ) as first_day,
        (
            select max(o.realtime_start) from {{ ref('stg_fred__observations') }} as o
            inner join loop_inputs using (series_id)
            where o.value is not null
        ) as last_day
),

days as (
    select unnest(generate_series(first_day, last_day, interval 1 day))::date as as_of_date
    from bounds
)

select
    as_of_date,
    extract(isodow from as_of_date) <= 5 as is_weekday
from days
