-- Vulnerability loop concentration, one row per holdings date and weights source: top-10, Magnificent-7
-- and AI / Big Tech set weights, HHI, effective constituents and their 12-month changes; with the loop
-- score of the day the snapshot was published (as known).
select
    c.*,
    l.loop_score as concentration_score,
    coalesce(l.in_stress, false) as in_stress
from {{ ref('int_index_concentration') }} as c
left join {{ ref('int_loop_scores') }} as l
    on l.view_name = 'as_known' and l.loop_name = 'concentration' and c.published_on = l.as_of_date
