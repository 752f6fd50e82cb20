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

-- the running quartiles and count of each indicator's current values up to the row (one window, one
-- list quantile: three separate quantile windows cost 2.5 times as much)
running as (
    select
        *,
        quantile_cont(signed_value, [0.25, 0.5, 0.75]) over history as quartiles,
        count(signed_value) over history as history_rows
    from signed
    window history as (
        partition by view_name, indicator order by as_of_date rows between unbounded preceding and current row
    )
),

standardised as (
    select
        *,
        {{ robust_z('signed_value', 'quartiles', 'history_rows', 'iqr_floor') }} as z_score
    from running
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
