{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

loop_score as (
    select
        view_name,
        as_of_date,
        loop_score as k_shape_score,
        in_stress
    from {{ ref('int_loop_scores') }}
    where loop_name = 'k_shape'
)

select
    i.*,
    l.k_shape_score,
    coalesce(l.in_stress, false) as in_stress
from {{ ref('int_k_shape_indicators') }} as i
left join loop_score as l using (view_name, as_of_date)
{{ recompute_filter() }}
