-- fct_fragility_daily computed with hindsight: the latest vintage of every value, each period still
-- waiting for its first release. No fog: confidence is coverage only.
{{ config(materialized='view', persist_docs={'relation': true, 'columns': target.name != 'lake'}) }}
select
    r.* exclude (view_name),
    h.btc_regime as hedge_regime
from {{ ref('int_readings_daily') }} as r
left join {{ ref('int_hedge_regime_daily') }} as h using (view_name, as_of_date)
where r.view_name = 'revised'
