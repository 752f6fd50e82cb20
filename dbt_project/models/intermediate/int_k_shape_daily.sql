select
    i.*,
    l.loop_score as k_shape_score,
    coalesce(l.in_stress, false) as in_stress
from {{ ref('int_k_shape_indicators') }} as i
left join {{ ref('int_loop_scores') }} as l
    on i.view_name = l.view_name and i.as_of_date = l.as_of_date and l.loop_name = 'k_shape'
