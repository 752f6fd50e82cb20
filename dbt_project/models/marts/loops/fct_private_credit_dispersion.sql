-- Private credit per period and knowledge date: one row per filing date that changed the period's
-- comparison (a new filer or an amendment), with its dispersion, divergent share, holders and non-accrual
-- share; is_latest marks the period's snapshot as known today.
select
    *,
    known_from = max(known_from) over (partition by period_end) as is_latest
from {{ ref('int_private_credit_dispersion') }}
