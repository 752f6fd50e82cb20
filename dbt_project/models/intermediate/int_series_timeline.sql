-- The knowledge timeline of every loop input, in two views:
--   as_known: for each date a new vintage arrived (known_at), the latest period known then,
--             its value as published then, and the values 3 months and 1 year earlier as they
--             were known on that same date (so a revision published later cannot leak back);
--   revised:  the latest vintage of every period, "known" on its own period date (hindsight).
-- Unrevised series need no snapshots: their history never changes, so window features on the
-- latest vintage are valid from the day the newest period in the window was published.
with

series as (
    select
        series_id,
        is_revisable
    from {{ ref('stg_catalog__series') }}
    where loop_name <> 'scale_replica'
),

obs as (
    select
        o.series_id,
        o.obs_date,
        o.value,
        o.realtime_start,
        o.realtime_end,
        s.is_revisable
    from {{ ref('stg_fred__observations') }} as o
    inner join series as s using (series_id)
    where o.value is not null
),

latest as (
    select
        series_id,
        obs_date,
        value,
        realtime_start
    from obs
    where realtime_end = date '9999-12-31'
),

-- revised view and unrevised series: one history per series
history as (
    select
        series_id,
        obs_date,
        value,
        -- a window feature is known once every period in it is known
        max(realtime_start) over (
            partition by series_id order by obs_date rows between unbounded preceding and current row
        ) as published_on
    from latest
),

history_features as (
    select
        h.series_id,
        h.obs_date,
        h.value,
        h.published_on,
        m3.value as value_3m_ago,
        y1.value as value_1y_ago
    from history as h
    asof left join latest as m3
        on h.series_id = m3.series_id and h.obs_date - interval 3 month >= m3.obs_date
    asof left join latest as y1
        on h.series_id = y1.series_id and h.obs_date - interval 1 year >= y1.obs_date
),

-- as-known view of revisable series: a snapshot of the whole series at every vintage date
events as (
    select distinct
        series_id,
        realtime_start as known_at
    from obs
    where is_revisable
),

snapshots as (
    select
        e.series_id,
        e.known_at,
        o.obs_date,
        o.value
    from events as e
    inner join obs as o
        on e.series_id = o.series_id
            and e.known_at >= o.realtime_start
            and e.known_at <= o.realtime_end
),

snapshot_heads as (
    select *
    from snapshots
    qualify row_number() over (partition by series_id, known_at order by obs_date desc) = 1
),

snapshot_features as (
    select
        h.series_id,
        h.known_at,
        h.obs_date,
        h.value,
        m3.value as value_3m_ago,
        y1.value as value_1y_ago
    from snapshot_heads as h
    asof left join snapshots as m3
        on h.series_id = m3.series_id and h.known_at = m3.known_at
            and h.obs_date - interval 3 month >= m3.obs_date
    asof left join snapshots as y1
        on h.series_id = y1.series_id and h.known_at = y1.known_at
            and h.obs_date - interval 1 year >= y1.obs_date
),

unrevised_as_known as (
    select f.*
    from history_features as f
    inner join series as s using (series_id)
    where not s.is_revisable
),

as_known as (
    select
        'as_known' as view_name,
        series_id,
        published_on as known_at,
        obs_date,
        value,
        value_3m_ago,
        value_1y_ago
    from unrevised_as_known
    union all
    select
        'as_known' as view_name,
        series_id,
        known_at,
        obs_date,
        value,
        value_3m_ago,
        value_1y_ago
    from snapshot_features
),

revised as (
    select
        'revised' as view_name,
        series_id,
        obs_date as known_at,
        obs_date,
        value,
        value_3m_ago,
        value_1y_ago
    from history_features
),

unioned as (
    select * from as_known
    union all
    select * from revised
)

-- several periods can become known on one date (a file drop, a catch-up release): keep the newest
select *
from unioned
qualify row_number() over (partition by view_name, series_id, known_at order by obs_date desc) = 1
