-- Status of every series (loop inputs and benchmarks: is_loop_input tells them apart) on every day,
-- as known that day, judged against the release calendar:
--   late:      the next period was due (scheduled date + a small grace) and has not arrived;
--   cancelled: the next period was cancelled (announced by that day) and the one after is not due yet;
--   stale:     no release calendar to judge by, and the newest period is older than its frequency allows;
--   revised:   a heavy revision of the series (int_series_release_status) was published in the last 30 days;
--   ok:        otherwise.
with

inputs as (
    select
        series_id,
        loop_name,
        frequency,
        stale_after_days,
        discontinued_on,
        loop_name <> 'benchmark' as is_loop_input
    from {{ ref('stg_catalog__series') }}
    where loop_name <> 'scale_replica'
),

daily as (
    select
        d.as_of_date,
        d.series_id,
        d.obs_date,
        d.age_days
    from {{ ref('int_series_daily') }} as d
    where d.view_name = 'as_known'
),

periods as (
    select
        series_id,
        period,
        scheduled_date,
        next_period,
        next_scheduled_date,
        next_period_cancelled_on,
        after_next_scheduled_date,
        first_arrival
    from {{ ref('int_series_periods') }}
),

cancelled as (
    select
        series_id,
        obs_date as cancelled_period,
        statement
    from {{ ref('stg_catalog__cancelled_releases') }}
),

heavy_revisions as (
    select
        series_id,
        known_from as revised_on,
        period as revised_period,
        revision_rel
    from {{ ref('int_series_release_status') }}
    where is_heavy_revision
    qualify row_number() over (partition by series_id, known_from order by abs(revision_rel) desc) = 1
),

joined as (
    select
        d.as_of_date,
        i.series_id,
        i.loop_name,
        i.is_loop_input,
        i.frequency,
        d.obs_date as latest_period,
        d.age_days,
        i.stale_after_days,
        -- the release the input is waiting for: the next period's, or the one after when the next
        -- period was cancelled (and the cancellation announced by that day); nothing when the next period
        -- is already published and only waits for its own date (a projection such as CBO's NROU)
        case
            when n.first_arrival <= d.as_of_date then null
            when p.next_period_cancelled_on <= d.as_of_date then p.after_next_scheduled_date
            else p.next_scheduled_date
        end as next_due_date,
        case i.frequency when 'D' then 3 when 'W' then 1 when 'M' then 1 else 3 end as grace_days,
        -- the next period is cancelled (announced by that day): the input waits past a hole
        case when p.next_period_cancelled_on <= d.as_of_date then p.next_period end as cancelled_period,
        case when p.next_period_cancelled_on <= d.as_of_date then c.statement end as cancelled_statement,
        h.revised_on,
        h.revised_period,
        h.revision_rel
    from daily as d
    inner join inputs as i using (series_id)
    left join periods as p on d.series_id = p.series_id and d.obs_date = p.period
    left join periods as n on p.series_id = n.series_id and p.next_period = n.period
    left join cancelled as c
        on p.series_id = c.series_id and p.next_period = c.cancelled_period
    asof left join heavy_revisions as h
        on d.series_id = h.series_id and d.as_of_date >= h.revised_on
    -- a series counts from its first known value until it is discontinued
    where d.obs_date is not null and (i.discontinued_on is null or d.as_of_date <= i.discontinued_on)
)

select
    as_of_date,
    series_id,
    loop_name,
    is_loop_input,
    frequency,
    latest_period,
    age_days,
    stale_after_days,
    next_due_date,
    case when as_of_date - next_due_date > grace_days then as_of_date - next_due_date end as days_late,
    cancelled_period,
    cancelled_statement,
    case when as_of_date - revised_on < 30 then revised_on end as heavy_revision_on,
    case when as_of_date - revised_on < 30 then revised_period end as heavy_revision_period,
    case when as_of_date - revised_on < 30 then revision_rel end as heavy_revision_rel,
    case
        when as_of_date - next_due_date > grace_days then 'late'
        when cancelled_period is not null then 'cancelled'
        when next_due_date is null and age_days > stale_after_days then 'stale'
        when as_of_date - revised_on < 30 then 'revised'
        else 'ok'
    end as input_status
from joined
