-- The release registry for analysts: every FRED series' period with its scheduled first release,
-- actual arrival and status, point in time as intervals [known_from, known_to).
--   as of D:     where known_from <= D and (known_to > D or known_to is null)
--   as of today: where is_current
select
    r.series_id,
    s.title,
    s.unit,
    r.loop_name,
    r.frequency,
    r.release_id,
    r.release_name,
    r.period,
    r.scheduled_date,
    r.first_arrival,
    r.status,
    r.status_detail,
    r.days_late,
    r.is_outstanding,
    r.value,
    r.first_value,
    r.vintage_number,
    r.revision_abs,
    r.revision_rel,
    r.is_heavy_revision,
    r.cancelled_on,
    r.cancelled_statement,
    r.known_from,
    r.known_to,
    r.is_current
from {{ ref('int_series_release_status') }} as r
inner join {{ ref('stg_catalog__series') }} as s using (series_id)
