-- Loop 3, private credit: the same loan marked by different BDCs, holder by holder.
select
    *,
    mark_range_pts >= {{ var('mark_divergence_pts') }} as is_divergent
from {{ ref('int_private_credit_marks') }}
