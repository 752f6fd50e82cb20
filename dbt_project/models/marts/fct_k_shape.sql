select * exclude (view_name)
from {{ ref('int_k_shape_daily') }}
where view_name = 'as_known'
