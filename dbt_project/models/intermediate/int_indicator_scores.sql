-- Each sub-indicator standardised against its own history as known at the time: an expanding
-- robust z-score (running median and IQR over rows up to that day only), mapped to 0..100.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

signed as (
    select
        *,
        direction * value as signed_value
    from {{ ref('int_indicators_long') }}
),

standardised as (
    select
        *,
        {{ expanding_robust_z('signed_value', 'view_name, indicator', 'as_of_date') }} as z_score
    from signed
)

select
    view_name,
    as_of_date,
    loop_name,
    indicator,
    value,
    direction,
    z_score,
    {{ z_to_score('z_score') }} as score
from standardised
{{ recompute_filter() }}
