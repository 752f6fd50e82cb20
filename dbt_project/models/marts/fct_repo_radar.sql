-- The repo radar, one row per day and reference rate, as known that day.
select * exclude (view_name)
from {{ ref('int_repo_radar_indicators') }}
where view_name = 'as_known'
