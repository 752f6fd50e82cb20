-- The fragility readings, one row per calendar day, as known that day: composite, stress and
-- vulnerability with their coverage, confidence and, when not published, the reason; every loop's score
-- and confidence; the hedge regime. Formulas and weights: fct_fragility_daily.yml.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

joined as (
    select
        r.*,
        h.btc_regime as hedge_regime
    from {{ ref('int_readings_daily') }} as r
    left join {{ ref('int_hedge_regime_daily') }} as h using (view_name, as_of_date)
    where r.view_name = 'as_known'
)

select * exclude (view_name)
from joined
{{ recompute_filter() }}
