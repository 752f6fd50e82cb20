-- Each indicator standardised against its own history as known at the time: an expanding robust z-score
-- of the signed value (direction x value) over the current rows up to that day, with the indicator's IQR
-- floor, winsorised at +-z_cap, and mapped to 0..100 through the normal CDF. A row that is not current,
-- or still in its burn-in, has no z and no score.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

signed as (
    select
        *,
        case when is_current then direction * value end as signed_value
    from {{ ref('int_indicators_long') }}
),

standardised as (
    select
        *,
        {{ expanding_robust_z('signed_value', 'iqr_floor', 'view_name, indicator', 'as_of_date') }} as z_score
    from signed
)

select
    view_name,
    as_of_date,
    reading,
    loop_name,
    indicator,
    value,
    direction,
    is_current,
    freshness,
    fog_detail,
    z_score,
    case when z_score is not null then {{ z_to_score('z_score') }} end as score
from standardised
{{ recompute_filter() }}
