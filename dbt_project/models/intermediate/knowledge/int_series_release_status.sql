-- The release registry, point in time: the status of every FRED series' period as it was known on
-- any day, stored as intervals [known_from, known_to). "As of D" is the row with
-- known_from <= D and (known_to > D or known_to is null); "as of today" is is_current.
-- Statuses: late (due per the calendar, not arrived yet) -> on_time / late (arrived, with days
-- late) -> revised (a later vintage changed the first print, with the revision size); missing (the
-- source reported no value, or a later period arrived first); cancelled (on the maintained list
-- or reported cancelled by the source) from the day it was announced, for good.
with

periods as (
    select * from {{ ref('int_series_periods') }}
),

today as (
    select max(as_of_date) as today from {{ ref('int_calendar_days') }}
),

registered as (
    select distinct series_id from periods
),

vintages as (
    select
        o.series_id,
        o.obs_date as period,
        o.value,
        o.value_status,
        o.status_reason,
        o.known_from as realtime_start
    from {{ ref('int_observation_vintages') }} as o
    inner join registered using (series_id)
),

valued as (
    select
        v.*,
        p.first_value,
        row_number() over (partition by v.series_id, v.period order by v.realtime_start) as vintage_number,
        v.value - p.first_value as revision_abs,
        (v.value - p.first_value) / nullif(abs(p.first_value), 0) as revision_rel
    from vintages as v
    inner join periods as p using (series_id, period)
    where v.value is not null
),

-- a revision is heavy when it is more than 5x the median size of the series' earlier revisions
-- (at least 6 of them): unusual for that series, whatever its unit
revisions as (
    select
        series_id,
        period,
        realtime_start,
        (
            abs(revision_abs) > 5 * median(abs(revision_abs)) over prior
            and count(*) over prior >= 6
        ) as is_heavy_revision
    from valued
    where vintage_number > 1 and revision_abs <> 0
    window prior as (
        partition by series_id order by realtime_start, period
        rows between unbounded preceding and 1 preceding
    )
),

events as (
    -- due per the calendar and not arrived: late (outstanding)
    select
        series_id,
        period,
        scheduled_date as event_date,
        5 as priority,
        'late' as status,
        'due ' || strftime(scheduled_date, '%Y-%m-%d') || ', not published yet' as status_detail,
        null::double as value,
        null::bigint as vintage_number
    from periods
    where scheduled_date is not null
        and scheduled_date < coalesce(first_arrival, cancelled_on, date '9999-12-31')
        and scheduled_date < coalesce(first_seen, date '9999-12-31')
    union all
    -- a later period arrived while this one is still absent: a hole
    select
        series_id,
        period,
        greatest(later_period_arrival, coalesce(scheduled_date, later_period_arrival)) as event_date,
        4 as priority,
        'missing' as status,
        'absent while a later period was published' as status_detail,
        null as value,
        null as vintage_number
    from periods
    where later_period_arrival is not null
        and later_period_arrival < coalesce(first_seen, cancelled_on, date '9999-12-31')
    union all
    -- the source said there is no value
    select
        v.series_id,
        v.period,
        v.realtime_start as event_date,
        3 as priority,
        'missing' as status,
        coalesce(v.status_reason, 'the source reported no value') as status_detail,
        null as value,
        null as vintage_number
    from vintages as v
    where v.value is null and v.value_status <> 'cancelled'
    union all
    -- every vintage with a value: the first print, then revisions
    select
        v.series_id,
        v.period,
        v.realtime_start as event_date,
        2 as priority,
        case
            when v.vintage_number > 1 and v.revision_abs <> 0 then 'revised'
            else p.arrival_status
        end as status,
        case
            when v.vintage_number > 1 and v.revision_abs <> 0
                then 'vintage ' || v.vintage_number || ': ' || printf('%+.4g', v.revision_abs) || ' vs first print'
            when p.arrival_status = 'late' then 'first print ' || p.days_late || ' days after schedule'
            when p.arrival_status = 'on_time' then 'first print on schedule'
            when p.arrival_status = 'estimated' then 'first print dated by its release rule (pseudo-real-time)'
            else 'first print (no release calendar)'
        end as status_detail,
        v.value,
        v.vintage_number
    from valued as v
    inner join periods as p using (series_id, period)
    union all
    -- cancelled: from the announcement on, whatever came before
    select
        series_id,
        period,
        cancelled_on as event_date,
        1 as priority,
        'cancelled' as status,
        cancelled_statement as status_detail,
        null as value,
        null as vintage_number
    from periods
    where cancelled_on is not null
),

deduped as (
    select e.*
    from events as e
    inner join periods as p using (series_id, period)
    cross join today as t
    where e.event_date <= t.today
        -- nothing overrides a cancellation
        and (p.cancelled_on is null or e.event_date <= p.cancelled_on)
    qualify row_number() over (partition by e.series_id, e.period, e.event_date order by e.priority) = 1
),

intervals as (
    select
        *,
        lead(event_date) over (partition by series_id, period order by event_date) as known_to
    from deduped
)

select
    i.series_id,
    p.loop_name,
    p.frequency,
    p.release_id,
    p.release_name,
    i.period,
    p.scheduled_date,
    p.first_arrival,
    i.status,
    i.status_detail,
    case
        when i.status in ('on_time', 'late', 'revised') and p.first_arrival <= i.event_date then p.days_late
        when i.status in ('late', 'missing') and p.scheduled_date is not null
            then greatest(coalesce(i.known_to, t.today) - p.scheduled_date, 0)
    end as days_late,
    i.value,
    p.first_value,
    i.vintage_number,
    case when i.status = 'revised' then i.value - p.first_value end as revision_abs,
    case when i.status = 'revised' then (i.value - p.first_value) / nullif(abs(p.first_value), 0) end
        as revision_rel,
    coalesce(r.is_heavy_revision, false) as is_heavy_revision,
    i.value is null and i.status in ('late', 'missing') as is_outstanding,
    p.cancelled_on,
    case when i.status = 'cancelled' then p.cancelled_statement end as cancelled_statement,
    i.event_date as known_from,
    i.known_to,
    i.known_to is null as is_current
from intervals as i
inner join periods as p using (series_id, period)
cross join today as t
left join revisions as r
    on i.series_id = r.series_id and i.period = r.period and i.event_date = r.realtime_start
        and i.status = 'revised'
