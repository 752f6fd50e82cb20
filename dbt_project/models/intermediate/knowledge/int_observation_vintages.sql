-- Every vintage of every catalog series with the day it became known (known_from).
--
-- A vintage with a real publication date keeps it: known_from = realtime_start (ALFRED).
-- History that arrived without its vintages is pseudo-real-time, as the Chicago Fed's real-time NFCI
-- replication does: each period counts as known from its first release date, estimated from the release
-- calendar when one is loaded, else from the series' documented publication lag (period end + lag, moved
-- to the next weekday). That applies to the first vintage held of a period when
--   * it comes from a file drop (a folder is a snapshot: every period in it was published before the
--     folder's date, and the drop says nothing of when), or
--   * it belongs to the series' first ALFRED vintage and that vintage holds several periods (ALFRED's
--     archive starts with the history as it stood then; a first vintage of one period is a real release,
--     and later vintages are real releases: they keep their dates),
-- and only when the estimate is earlier than realtime_start. The value is the one the snapshot holds
-- (pseudo-real-time: release timing is real, values may carry later revisions).
with

series as (
    select
        series_id,
        frequency,
        release_id,
        publication_lag_days
    from {{ ref('stg_catalog__series') }}
    where loop_name <> 'scale_replica'
),

calendar as (
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

calendar_spans as (
    select
        release_id,
        min(scheduled_date) as first_scheduled,
        max(scheduled_date) as last_scheduled
    from calendar
    group by release_id
),

vintages as (
    select
        o.source,
        o.series_id,
        o.obs_date,
        o.value,
        o.value_status,
        o.status_reason,
        o.realtime_start,
        o.realtime_end,
        s.frequency,
        s.release_id,
        s.publication_lag_days,
        case s.frequency
            when 'D' then o.obs_date
            when 'W' then o.obs_date
            when 'M' then (o.obs_date + interval 1 month - interval 1 day)::date
            when 'Q' then (o.obs_date + interval 3 month - interval 1 day)::date
            else (o.obs_date + interval 12 month - interval 1 day)::date
        end as period_end,
        row_number() over (partition by o.source, o.series_id, o.obs_date order by o.realtime_start) as vintage_number,
        min(o.realtime_start) over (partition by o.source, o.series_id) as first_vintage_of_series,
        count(*) over (partition by o.source, o.series_id, o.realtime_start) as rows_in_vintage
    from {{ ref('stg_fred__observations') }} as o
    inner join series as s using (series_id)
),

lag_rule as (
    select
        v.*,
        (v.period_end + v.publication_lag_days)::date as lagged_release,
        (v.period_end + coalesce(o.publication_offset_days, 1))::date as due_from
    from vintages as v
    left join offsets as o using (release_id)
),

estimated as (
    select
        l.*,
        -- the release calendar, where it covers the period: its first date on or after the period's
        -- end plus the release's offset (int_release_schedule documents the rule)
        c.scheduled_date as scheduled_release,
        {{ next_weekday('l.lagged_release') }} as lag_release
    from lag_rule as l
    asof left join calendar as c
        on l.release_id = c.release_id and l.due_from <= c.scheduled_date
),

first_release as (
    select
        e.*,
        case
            when e.scheduled_release is not null and e.period_end >= s.first_scheduled - 31
                and e.scheduled_release <= s.last_scheduled
                then e.scheduled_release
            else e.lag_release
        end as first_release_estimate
    from estimated as e
    left join calendar_spans as s using (release_id)
),

classified as (
    select
        *,
        vintage_number = 1
        -- ALFRED's first vintage is history only when it holds more than the one period a release adds
        and (source = 'files' or (realtime_start = first_vintage_of_series and rows_in_vintage > 1))
        and first_release_estimate < realtime_start as is_pseudo_real_time
    from first_release
)

select
    source,
    series_id,
    obs_date,
    period_end,
    value,
    value_status,
    status_reason,
    realtime_start,
    realtime_end,
    vintage_number,
    first_release_estimate,
    case when is_pseudo_real_time then first_release_estimate else realtime_start end as known_from,
    is_pseudo_real_time
from classified
