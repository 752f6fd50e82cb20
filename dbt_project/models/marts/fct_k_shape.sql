{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
select * exclude (view_name)
from {{ ref('int_k_shape_daily') }}
where view_name = 'as_known'
    {{ recompute_filter('and') }}
