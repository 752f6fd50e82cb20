select * exclude (view_name)
from {{ ref('int_fragility_daily') }}
where view_name = 'as_known'
