-- Status of every loop input on every day, as known that day: ok, stale (older than its
-- frequency allows), or cancelled (a release the source said will never come is the next one due).
with

inputs as (
    select series_id, loop_name, frequency, stale_after_days, discontinued_on
    from {{ ref('stg_catalog__series') }}
    where loop_name not in ('benchmark', 'scale_replica')
),

daily as (
    select d.as_of_date, d.series_id, d.obs_date, d.age_days
    from {{ ref('int_series_daily') }} as d
    where d.view_name = 'as_known'
),

cancelled as (
    select series_id, obs_date as cancelled_period, announced_on, statement
    from {{ ref('stg_catalog__cancelled_releases') }}
),

joined as (
    select
        d.as_of_date,
        i.series_id,
        i.loop_name,
        i.frequency,
        d.obs_date as latest_period,
        d.age_days,
        i.stale_after_days,
        c.cancelled_period,
        c.statement as cancelled_statement
    from daily as d
    inner join inputs as i using (series_id)
    left join cancelled as c
        on d.series_id = c.series_id
        and c.cancelled_period > coalesce(d.obs_date, date '1900-01-01')
        and c.announced_on <= d.as_of_date
    -- a series counts from its first known value until it is discontinued
    where d.obs_date is not null and (i.discontinued_on is null or d.as_of_date <= i.discontinued_on)
)

select
    as_of_date,
    series_id,
    loop_name,
    frequency,
    latest_period,
    age_days,
    stale_after_days,
    cancelled_period,
    cancelled_statement,
    case
        when cancelled_period is not null then 'cancelled'
        when age_days > stale_after_days then 'stale'
        else 'ok'
    end as input_status
from joined
qualify row_number() over (partition by as_of_date, series_id order by cancelled_period) = 1
