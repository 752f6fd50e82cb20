-- One row per borrower, BDC and period end: the BDC's mark on the borrower (fair value over
-- principal, in points), for borrowers held by at least two BDCs at the same period end.
-- A comparison is known once the last of its holders has filed.
with

holdings as (
    select * from {{ ref('stg_sec__bdc_holdings') }}
    where principal > 0
),

per_holder as (
    select
        period_end,
        issuer_key,
        bdc_cik,
        any_value(bdc_name) as bdc_name,
        min(issuer_name) as issuer_name,
        sum(principal) as principal,
        sum(cost) as cost,
        sum(fair_value) as fair_value,
        bool_or(is_non_accrual) as is_non_accrual,
        max(filed) as filed
    from holdings
    group by period_end, issuer_key, bdc_cik
),

with_borrower as (
    select
        *,
        100.0 * fair_value / principal as mark_pct,
        count(*) over borrower as holders,
        max(filed) over borrower as comparable_from
    from per_holder
    window borrower as (partition by period_end, issuer_key)
)

select
    period_end,
    issuer_key,
    issuer_name,
    bdc_cik,
    bdc_name,
    principal,
    cost,
    fair_value,
    mark_pct,
    is_non_accrual,
    filed,
    holders,
    comparable_from,
    max(mark_pct) over borrower - min(mark_pct) over borrower as mark_range_pts,
    quantile_cont(mark_pct, 0.75) over borrower - quantile_cont(mark_pct, 0.25) over borrower as mark_iqr_pts
from with_borrower
where holders >= 2
window borrower as (partition by period_end, issuer_key)
