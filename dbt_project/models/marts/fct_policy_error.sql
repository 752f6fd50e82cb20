-- Loop 1, policy error, one row per day as known that day. See _loops.yml for every formula.
select * exclude (view_name)
from {{ ref('int_policy_error_daily') }}
where view_name = 'as_known'
