-- Every calendar day in both views (as_known, revised): the grid the daily indicator models fill.
select
    v.view_name,
    d.as_of_date
from {{ ref('int_calendar_days') }} as d
cross join (values ('as_known'), ('revised')) as v (view_name)
