-- Loop 1, policy error, one row per day as known that day. See _loops.yml for every formula.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
select * exclude (view_name)
from {{ ref('int_policy_error_daily') }}
where view_name = 'as_known'
    {{ recompute_filter('and') }}
