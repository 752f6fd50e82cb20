{{ config(materialized='view') }}
select * exclude (view_name)
from {{ ref('int_fragility_daily') }}
where view_name = 'revised'
