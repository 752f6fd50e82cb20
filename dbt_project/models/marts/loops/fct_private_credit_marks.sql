-- Private credit, holder by holder: the same loan (issuer + lien + maturity) marked by different BDCs, in
-- each period's latest snapshot (every filing and amendment known today). The full history of snapshots,
-- as known on each filing date, is int_private_credit_marks.
select
    *,
    mark_range_pts >= {{ var('mark_divergence_pts') }} as is_divergent
from {{ ref('int_private_credit_marks') }}
qualify known_from = max(known_from) over (partition by period_end)
