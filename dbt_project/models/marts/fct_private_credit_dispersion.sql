-- Loop 3 per period end: how far apart the marks on shared loans are, the share of shared
-- borrowers flagged divergent, and the non-accrual share; known once the period's filings are in.
with

marks as (
    select * from {{ ref('fct_private_credit_marks') }}
),

borrowers as (
    select
        period_end,
        issuer_key,
        any_value(mark_range_pts) as mark_range_pts,
        any_value(mark_iqr_pts) as mark_iqr_pts,
        bool_or(is_divergent) as is_divergent,
        sum(principal) as principal,
        max(comparable_from) as comparable_from
    from marks
    group by period_end, issuer_key
),

all_positions as (
    select
        period_end,
        sum(principal) as principal,
        sum(principal) filter (where is_non_accrual) as non_accrual_principal,
        count(distinct bdc_cik) as bdcs,
        max(filed) as last_filed
    from {{ ref('stg_sec__bdc_holdings') }}
    where principal > 0
    group by period_end
)

select
    b.period_end,
    count(*) as shared_borrowers,
    count(*) filter (where b.is_divergent) as divergent_borrowers,
    avg(case when b.is_divergent then 1.0 else 0.0 end) as divergent_share,
    -- principal-weighted mean range of marks on shared borrowers: the dispersion index
    sum(b.mark_range_pts * b.principal) / nullif(sum(b.principal), 0) as dispersion_index_pts,
    median(b.mark_iqr_pts) as median_mark_iqr_pts,
    any_value(p.non_accrual_principal) / nullif(any_value(p.principal), 0) as non_accrual_share,
    any_value(p.bdcs) as bdcs_reporting,
    greatest(max(b.comparable_from), any_value(p.last_filed)) as known_from
from borrowers as b
inner join all_positions as p using (period_end)
group by b.period_end
