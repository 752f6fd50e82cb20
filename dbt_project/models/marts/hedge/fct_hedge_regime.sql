select * exclude (view_name)
from {{ ref('int_hedge_regime_daily') }}
where view_name = 'as_known'
