-- The knowledge timeline of every catalog series, in two views. A row is a state of knowledge that
-- began on known_at:
--   as_known: the newest period available on known_at, its value as known then, and the values of the
--             periods 3 months and 1 year earlier as known on that same day (a revision published later
--             cannot leak back);
--   revised:  the same periods on the same days (each period waits for its first release), with the
--             latest vintage of every value (hindsight).
-- A period is available from its first release (int_observation_vintages.known_from) and, for
-- projections published ahead of time (CBO's NROU), not before its own date: the value for day D is
-- the newest period on or before D, never a future quarter.
-- The value of a period "as known on E" is its newest vintage with known_from <= E: vintages of one
-- period follow each other (realtime_end + 1 = next realtime_start), so that is the vintage in force.
with

vintages as (
    select
        series_id,
        obs_date,
        value,
        known_from,
        realtime_end,
        is_pseudo_real_time
    from {{ ref('int_observation_vintages') }}
    where value is not null
),

periods as (
    select
        series_id,
        obs_date,
        greatest(min(known_from), obs_date) as available_from,
        arg_max(value, known_from) filter (where realtime_end = date '9999-12-31') as latest_value
    from vintages
    group by series_id, obs_date
),

-- the newest period available on each day a period became available (several can arrive at once)
heads as (
    select
        series_id,
        available_from as known_at,
        max(obs_date) over (
            partition by series_id order by available_from
            range between unbounded preceding and current row
        ) as obs_date
    from periods
    qualify row_number() over (partition by series_id, available_from order by obs_date desc) = 1
),

-- a new vintage of an already available period (a revision, a later folder) is a state of knowledge too
revision_events as (
    select distinct
        v.series_id,
        v.known_from as known_at
    from vintages as v
    inner join periods as p using (series_id, obs_date)
    where v.known_from > p.available_from
),

events as (
    select
        series_id,
        known_at
    from heads
    union
    select
        series_id,
        known_at
    from revision_events
),

event_heads as (
    select
        e.series_id,
        e.known_at,
        h.obs_date
    from events as e
    asof inner join heads as h
        on e.series_id = h.series_id and e.known_at >= h.known_at
),

-- the periods the features compare with: the newest period on or before head - 3 months / - 1 year
lagged as (
    select
        e.*,
        m3.obs_date as obs_date_3m_ago,
        y1.obs_date as obs_date_1y_ago
    from event_heads as e
    asof left join periods as m3
        on e.series_id = m3.series_id and e.obs_date - interval 3 month >= m3.obs_date
    asof left join periods as y1
        on e.series_id = y1.series_id and e.obs_date - interval 1 year >= y1.obs_date
),

as_known as (
    select
        'as_known' as view_name,
        l.series_id,
        l.known_at,
        l.obs_date,
        v.value,
        v3.value as value_3m_ago,
        v1.value as value_1y_ago,
        v.is_pseudo_real_time
    from lagged as l
    asof left join vintages as v
        on l.series_id = v.series_id and l.obs_date = v.obs_date and l.known_at >= v.known_from
    asof left join vintages as v3
        on l.series_id = v3.series_id and l.obs_date_3m_ago = v3.obs_date and l.known_at >= v3.known_from
    asof left join vintages as v1
        on l.series_id = v1.series_id and l.obs_date_1y_ago = v1.obs_date and l.known_at >= v1.known_from
),

revised as (
    select
        'revised' as view_name,
        l.series_id,
        l.known_at,
        l.obs_date,
        p.latest_value as value,
        p3.latest_value as value_3m_ago,
        p1.latest_value as value_1y_ago,
        false as is_pseudo_real_time
    from lagged as l
    inner join periods as p on l.series_id = p.series_id and l.obs_date = p.obs_date
    left join periods as p3 on l.series_id = p3.series_id and l.obs_date_3m_ago = p3.obs_date
    left join periods as p1 on l.series_id = p1.series_id and l.obs_date_1y_ago = p1.obs_date
    -- a revision of an older period changes nothing in hindsight: one row per head period
    qualify row_number() over (partition by l.series_id, l.obs_date order by l.known_at) = 1
)

select * from as_known
union all
select * from revised
