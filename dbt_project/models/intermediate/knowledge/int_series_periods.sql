-- One row per FRED series and period: when its first print was scheduled (release calendar and the
-- rule in int_release_schedule), when it actually arrived (the first vintage with a value), whether
-- the source cancelled it, and when the following periods fall due (for the as-of-day input status).
-- Daily and weekly series list the periods they have; monthly and slower series also list every
-- period expected between their first period and today that never arrived at all.
with

series as (
    select
        series_id,
        loop_name,
        frequency,
        release_id,
        release_name,
        discontinued_on,
        case frequency
            when 'W' then interval 7 day
            when 'M' then interval 1 month
            when 'Q' then interval 3 month
            when 'A' then interval 12 month
        end as period_step
    from {{ ref('stg_catalog__series') }}
    where loop_name <> 'scale_replica'
),

today as (
    -- "today" is the newest knowledge date in the warehouse (the last vintage received), so the
    -- sample world and a file drop are judged as of their own end, not by the machine's clock
    select max(as_of_date) as today from {{ ref('int_calendar_days') }}
),

schedule as (
    select
        release_id,
        scheduled_date
    from {{ ref('int_release_schedule') }}
),

offsets as (
    select distinct
        release_id,
        publication_offset_days
    from {{ ref('int_release_schedule') }}
),

cancelled_list as (
    select
        series_id,
        obs_date as period,
        announced_on,
        statement
    from {{ ref('stg_catalog__cancelled_releases') }}
    where source_system = 'fred'
),

-- realtime_start is the day each vintage became known (a pseudo-real-time first release included)
vintages as (
    select
        o.series_id,
        o.obs_date as period,
        o.value,
        o.value_status,
        o.status_reason,
        o.known_from as realtime_start,
        o.is_pseudo_real_time
    from {{ ref('int_observation_vintages') }} as o
    inner join series using (series_id)
),

observed as (
    select
        series_id,
        period,
        min(realtime_start) as first_seen,
        min(realtime_start) filter (where value is not null) as first_arrival,
        arg_min(value, realtime_start) filter (where value is not null) as first_value,
        count(*) filter (where value is not null) as vintages,
        min(realtime_start) filter (where value is null and value_status = 'cancelled') as cancelled_seen_on,
        min(status_reason) filter (where value is null and value_status = 'cancelled') as cancelled_reason,
        coalesce(bool_or(is_pseudo_real_time) filter (where value is not null), false) as is_pseudo_real_time
    from vintages
    group by series_id, period
),

-- a series starts at its first value: empty rows before it (a padded download) are not periods
first_periods as (
    select
        series_id,
        min(period) filter (where first_arrival is not null) as first_period
    from observed
    group by series_id
),

grid as (
    select
        s.series_id,
        unnest(generate_series(
            f.first_period::timestamp,
            least(t.today, coalesce(s.discontinued_on, t.today))::timestamp,
            s.period_step
        ))::date as period
    from series as s
    inner join first_periods as f using (series_id)
    cross join today as t
    -- weekly dates may move to another weekday over a series' life: only monthly and slower
    -- series have a fixed grid of expected periods
    where s.frequency not in ('D', 'W')
),

periods as (
    select
        o.series_id,
        o.period
    from observed as o
    inner join first_periods as f
        on o.series_id = f.series_id and o.period >= f.first_period
    union
    select
        series_id,
        period
    from grid
),

spans as (
    select
        p.series_id,
        p.period,
        s.loop_name,
        s.frequency,
        s.release_id,
        s.release_name,
        coalesce(x.publication_offset_days, 1) as publication_offset_days,
        case when s.frequency in ('D', 'W') then p.period
            else (p.period + s.period_step - interval 1 day)::date
        end as period_end,
        (p.period + s.period_step)::date as next_period,
        (p.period + 2 * s.period_step)::date as after_next_period,
        s.period_step
    from periods as p
    inner join series as s using (series_id)
    left join offsets as x using (release_id)
),

due as (
    select
        *,
        period_end + publication_offset_days as due_from,
        case when frequency in ('D', 'W') then next_period
            else (next_period + period_step - interval 1 day)::date
        end + publication_offset_days as next_due_from,
        case when frequency in ('D', 'W') then after_next_period
            else (after_next_period + period_step - interval 1 day)::date end + publication_offset_days
            as after_next_due_from
    from spans
),

scheduled as (
    select
        d.*,
        c.scheduled_date
    from due as d
    asof left join schedule as c
        on d.release_id = c.release_id and d.due_from <= c.scheduled_date
),

-- the release after this period's: for a daily series the next calendar date, otherwise the
-- scheduled date of the next period (and of the one after, for when the next one was cancelled)
next_daily as (
    select
        s.series_id,
        s.period,
        c.scheduled_date as next_scheduled_date
    from scheduled as s
    asof left join schedule as c
        on s.release_id = c.release_id and s.scheduled_date < c.scheduled_date
    where s.frequency = 'D'
),

next_periodic as (
    select
        s.series_id,
        s.period,
        c.scheduled_date as next_scheduled_date
    from scheduled as s
    asof left join schedule as c
        on s.release_id = c.release_id and s.next_due_from <= c.scheduled_date
    where s.frequency <> 'D'
),

after_next_periodic as (
    select
        s.series_id,
        s.period,
        c.scheduled_date as after_next_scheduled_date
    from scheduled as s
    asof left join schedule as c
        on s.release_id = c.release_id and s.after_next_due_from <= c.scheduled_date
    where s.frequency <> 'D'
),

joined as (
    select
        s.series_id,
        s.loop_name,
        s.frequency,
        s.release_id,
        s.release_name,
        s.period,
        s.period_end,
        s.publication_offset_days,
        s.scheduled_date,
        o.first_seen,
        o.first_arrival,
        o.first_value,
        coalesce(o.is_pseudo_real_time, false) as is_pseudo_real_time,
        coalesce(o.vintages, 0) as vintages,
        coalesce(cl.announced_on, o.cancelled_seen_on) as cancelled_on,
        coalesce(cl.statement, o.cancelled_reason) as cancelled_statement,
        -- the first time any later period of the series arrived (turns an outstanding period into a hole)
        min(o.first_arrival) over (
            partition by s.series_id order by s.period rows between 1 following and unbounded following
        ) as later_period_arrival,
        case when s.frequency = 'D' then null else s.next_period end as next_period,
        coalesce(nd.next_scheduled_date, np.next_scheduled_date) as next_scheduled_date,
        ncl.announced_on as next_period_cancelled_on,
        anp.after_next_scheduled_date
    from scheduled as s
    left join observed as o using (series_id, period)
    left join cancelled_list as cl using (series_id, period)
    left join next_daily as nd using (series_id, period)
    left join next_periodic as np using (series_id, period)
    left join after_next_periodic as anp using (series_id, period)
    left join cancelled_list as ncl on s.series_id = ncl.series_id and s.next_period = ncl.period
)

select
    series_id,
    loop_name,
    frequency,
    release_id,
    release_name,
    period,
    period_end,
    publication_offset_days,
    scheduled_date,
    first_seen,
    first_arrival,
    first_value,
    vintages,
    is_pseudo_real_time,
    case
        when first_arrival is null then null
        when is_pseudo_real_time then 'estimated'
        when scheduled_date is null then 'unscheduled'
        when first_arrival <= scheduled_date then 'on_time'
        else 'late'
    end as arrival_status,
    case
        when first_arrival is null or scheduled_date is null or is_pseudo_real_time then null
        else greatest(first_arrival - scheduled_date, 0)
    end as days_late,
    cancelled_on,
    cancelled_statement,
    cancelled_on is not null as is_cancelled,
    later_period_arrival,
    next_period,
    next_scheduled_date,
    next_period_cancelled_on,
    after_next_scheduled_date
from joined
