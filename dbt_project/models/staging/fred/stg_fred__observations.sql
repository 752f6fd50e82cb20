-- One row per series, period and vintage. ALFRED answers in chunks of vintage dates, which can
-- split one vintage in two adjacent rows with the same value; those are joined back here.
with

source as (
    select * from {{ source('fred', 'fred__observations') }}
),

ordered as (
    select
        *,
        lag(realtime_end) over w as prev_realtime_end,
        lag(value) over w as prev_value,
        lag(value_status) over w as prev_status
    from source
    window w as (partition by source, series_id, obs_date order by realtime_start)
),

islands as (
    select
        *,
        sum(
            case
                when prev_realtime_end = realtime_start - 1
                    and prev_value is not distinct from value
                    and prev_status = value_status
                    then 0
                else 1
            end
        ) over (
            partition by source, series_id, obs_date order by realtime_start
            rows between unbounded preceding and current row
        ) as island
    from ordered
),

renamed as (
    select
        source,
        series_id,
        obs_date,
        any_value(value) as value,
        any_value(value_status) as value_status,
        any_value(status_reason) as status_reason,
        min(realtime_start) as realtime_start,
        max(realtime_end) as realtime_end,
        min(payload_hash) as payload_hash
    from islands
    group by source, series_id, obs_date, island
)

select * from renamed
