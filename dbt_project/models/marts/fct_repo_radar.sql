-- The repo radar, one row per day and reference rate, as known that day.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
select * exclude (view_name)
from {{ ref('int_repo_radar_indicators') }}
where view_name = 'as_known'
    {{ recompute_filter('and') }}
