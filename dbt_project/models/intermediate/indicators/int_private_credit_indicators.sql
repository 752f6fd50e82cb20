-- Vulnerability loop "private credit", per view and day: the newest period whose marks can be compared
-- (at least one loan held by two BDCs) as known that day, with its dispersion index, divergent share and
-- non-accrual share. as_known: the snapshot of the latest filings by that day; revised: the final
-- snapshot of each period (every filer and amendment in), from the day the period was first comparable.
-- Dispersion and non-accrual are levels (they mean-revert across the credit cycle).
with

snapshots as (
    select * from {{ ref('int_private_credit_dispersion') }}
    where shared_loans > 0
),

periods as (
    select
        period_end,
        min(known_from) as first_comparable
    from snapshots
    group by period_end
),

-- the newest comparable period on each day one became comparable
heads as (
    select
        first_comparable as head_from,
        max(period_end) over (order by first_comparable range between unbounded preceding and current row)
            as period_end
    from periods
    qualify row_number() over (partition by first_comparable order by period_end desc) = 1
),

final_snapshots as (
    select
        s.*,
        p.first_comparable
    from snapshots as s
    inner join periods as p using (period_end)
    qualify row_number() over (partition by s.period_end order by s.known_from desc) = 1
),

days as (
    select * from {{ ref('int_view_days') }}
),

day_heads as (
    select
        d.view_name,
        d.as_of_date,
        h.period_end
    from days as d
    asof inner join heads as h on d.as_of_date >= h.head_from
),

as_known as (
    -- the head period's snapshot of the latest filings by that day
    select
        h.view_name,
        h.as_of_date,
        s.*
    from day_heads as h
    asof inner join snapshots as s on h.period_end = s.period_end and h.as_of_date >= s.known_from
    where h.view_name = 'as_known'
),

revised as (
    select
        h.view_name,
        h.as_of_date,
        s.* exclude (first_comparable)
    from day_heads as h
    inner join final_snapshots as s using (period_end)
    where h.view_name = 'revised'
),

views as (
    select * from as_known
    union all by name
    select * from revised
)

select
    d.view_name,
    d.as_of_date,
    v.period_end as credit_period_end,
    v.known_from as credit_known_from,
    d.as_of_date - v.period_end as credit_age_days,
    v.bdcs_reporting,
    v.shared_loans,
    v.median_holders,
    v.divergent_loans,
    v.divergent_share,
    v.dispersion_sd_pts,
    v.mean_range_pts,
    v.non_accrual_share
from days as d
left join views as v using (view_name, as_of_date)
