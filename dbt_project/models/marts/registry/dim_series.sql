-- One row per catalog series: what it is (loop, unit, frequency, release and its publication rule),
-- and where it stands today in the release registry.
with

series as (
    select *
    from {{ ref('stg_catalog__series') }}
    where loop_name <> 'scale_replica'
),

today as (
    select max(as_of_date) as today from {{ ref('int_calendar_days') }}
),

rules as (
    select distinct
        release_id,
        publication_offset_days,
        rule_note
    from {{ ref('int_release_schedule') }}
),

calendar as (
    select
        release_id,
        scheduled_date
    from {{ ref('int_release_schedule') }}
),

current_status as (
    select r.*
    from {{ ref('int_series_release_status') }} as r
    where r.is_current
),

periods as (
    select * from {{ ref('int_series_periods') }}
),

latest as (
    -- the newest period with a value, as of today
    select
        series_id,
        period as latest_period,
        first_arrival as latest_arrival,
        scheduled_date as latest_scheduled
    from periods
    where first_arrival is not null
    qualify row_number() over (partition by series_id order by period desc) = 1
),

today_status as (
    select i.*
    from {{ ref('int_input_status_daily') }} as i
    cross join today as t
    where i.as_of_date = t.today
),

history as (
    select
        series_id,
        min(period) as first_period,
        count(*) as periods_total,
        count(*) filter (where status = 'on_time') as periods_on_time,
        count(*) filter (where status = 'late' and not is_outstanding) as periods_late,
        count(*) filter (where is_outstanding and status = 'late') as periods_outstanding,
        count(*) filter (where status = 'missing') as periods_missing,
        count(*) filter (where status = 'cancelled') as periods_cancelled,
        count(*) filter (where status = 'revised') as periods_revised,
        max(days_late) filter (where not is_outstanding and status in ('late', 'revised')) as max_days_late,
        max(abs(revision_rel)) as max_abs_revision_rel
    from current_status
    group by series_id
),

revision_dates as (
    select
        series_id,
        max(known_from) as last_revision_on
    from {{ ref('int_series_release_status') }}
    where status = 'revised'
    group by series_id
),

overdue as (
    -- scheduled releases passed since the newest period's own release without new data: the
    -- outstanding periods for monthly and slower series, the calendar dates since for daily and weekly
    select
        s.series_id,
        case
            when s.frequency in ('D', 'W')
                then (
                    select count(*) from calendar as c
                    where c.release_id = s.release_id and c.scheduled_date > l.latest_scheduled
                        and c.scheduled_date <= t.today
                )
            else (
                select count(*) from current_status as r
                where r.series_id = s.series_id and r.is_outstanding and r.period > l.latest_period
            )
        end as releases_overdue
    from series as s
    inner join latest as l using (series_id)
    cross join today as t
)

select
    s.series_id,
    s.title,
    s.loop_name,
    s.unit,
    s.frequency,
    s.release_id,
    s.release_name,
    coalesce(ru.publication_offset_days, 1) as publication_offset_days,
    ru.rule_note as publication_rule,
    s.is_revisable,
    s.discontinued_on,
    h.first_period,
    l.latest_period,
    l.latest_arrival,
    ts.next_due_date,
    case
        when s.discontinued_on is not null and s.discontinued_on < t.today then 'discontinued'
        when ts.input_status = 'ok' then 'on_time'
        when ts.input_status is null then 'unknown'
        else ts.input_status
    end as latest_status,
    ts.days_late,
    ts.cancelled_period,
    ts.cancelled_statement,
    case
        when s.discontinued_on is not null and s.discontinued_on < t.today then 0
        else coalesce(o.releases_overdue, 0)
    end as releases_overdue,
    coalesce(h.periods_total, 0) as periods_total,
    coalesce(h.periods_on_time, 0) as periods_on_time,
    coalesce(h.periods_late, 0) as periods_late,
    coalesce(h.periods_outstanding, 0) as periods_outstanding,
    coalesce(h.periods_missing, 0) as periods_missing,
    coalesce(h.periods_cancelled, 0) as periods_cancelled,
    coalesce(h.periods_revised, 0) as periods_revised,
    h.max_days_late,
    h.max_abs_revision_rel,
    rd.last_revision_on,
    t.today as status_as_of
from series as s
cross join today as t
left join rules as ru using (release_id)
left join latest as l using (series_id)
left join today_status as ts using (series_id)
left join history as h using (series_id)
left join revision_dates as rd using (series_id)
left join overdue as o using (series_id)
