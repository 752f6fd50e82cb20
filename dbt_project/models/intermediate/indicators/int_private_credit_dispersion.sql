-- Private credit per period and knowledge date (a filing date for the period): how far apart the marks on
-- shared loans are, the share of shared loans marked at least `mark_divergence_pts` apart, and the
-- non-accrual share of all positions filed by then (latest filing per BDC).
with

marks as (
    select * from {{ ref('int_private_credit_marks') }}
),

loans as (
    select
        period_end,
        known_from,
        issuer_key,
        lien,
        maturity_date,
        any_value(holders) as holders,
        any_value(mark_sd_pts) as mark_sd_pts,
        any_value(mark_range_pts) as mark_range_pts,
        sum(principal) as principal
    from marks
    group by all
),

filed_positions as (
    -- every position of the latest filing per BDC and period filed by known_from (not just shared loans)
    select
        f.period_end,
        f.known_from,
        count(distinct f.bdc_cik) as bdcs_reporting,
        sum(h.principal) as principal,
        sum(h.principal) filter (where h.is_non_accrual) as non_accrual_principal
    from {{ ref('int_private_credit_filings') }} as f
    inner join {{ ref('stg_sec__bdc_holdings') }} as h using (accession)
    where h.principal > 0
    group by f.period_end, f.known_from
)

select
    p.period_end,
    p.known_from,
    p.bdcs_reporting,
    count(l.issuer_key) as shared_loans,
    median(l.holders) as median_holders,
    count(l.issuer_key) filter (where l.mark_range_pts >= {{ var('mark_divergence_pts') }}) as divergent_loans,
    avg(case when l.mark_range_pts >= {{ var('mark_divergence_pts') }} then 1.0 else 0.0 end) as divergent_share,
    -- principal-weighted mean of the per-loan standard deviation of marks: the dispersion index
    sum(l.mark_sd_pts * l.principal) / nullif(sum(l.principal), 0) as dispersion_sd_pts,
    sum(l.mark_range_pts * l.principal) / nullif(sum(l.principal), 0) as mean_range_pts,
    p.non_accrual_principal / nullif(p.principal, 0) as non_accrual_share
from filed_positions as p
left join loans as l using (period_end, known_from)
group by p.period_end, p.known_from, p.bdcs_reporting, p.non_accrual_principal, p.principal
