{{ config(materialized='view') }}
select * exclude (view_name)
from {{ ref('int_policy_error_daily') }}
where view_name = 'revised'
