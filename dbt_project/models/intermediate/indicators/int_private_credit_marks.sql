-- Private credit, the same loan marked by different BDCs, as known on each filing date.
--
-- A loan is an issuer + lien + maturity (two tranches of one borrower are two loans). As of a day E, each
-- BDC's position in a period is its latest filing for that period filed by E (a 10-Q/A replaces the
-- original, its positions are never added to it), so a period's comparison is known as soon as two BDCs
-- holding the same loan have filed and changes as later filers and amendments arrive. One row per period,
-- knowledge date (known_from: a filing date for that period), loan and holder; holders >= 2 only.
with

positions as (
    select
        accession,
        issuer_key,
        lien,
        maturity_date,
        any_value(bdc_name) as bdc_name,
        min(issuer_name) as issuer_name,
        sum(principal) as principal,
        sum(cost) as cost,  -- noqa: RF04
        sum(fair_value) as fair_value,
        bool_or(is_non_accrual) as is_non_accrual
    from {{ ref('stg_sec__bdc_holdings') }}
    where principal > 0
    group by accession, issuer_key, lien, maturity_date
),

snapshot_filings as (
    select * from {{ ref('int_private_credit_filings') }}
),

snapshot_positions as (
    select
        s.period_end,
        s.known_from,
        s.bdc_cik,
        s.accession,
        s.filed,
        p.* exclude (accession),
        100.0 * p.fair_value / p.principal as mark_pct
    from snapshot_filings as s
    inner join positions as p using (accession)
),

with_loan as (
    select
        *,
        count(*) over loan as holders
    from snapshot_positions
    window loan as (partition by period_end, known_from, issuer_key, lien, maturity_date)
)

select
    period_end,
    known_from,
    issuer_key || ' | ' || lien || ' | ' || coalesce(strftime(maturity_date, '%Y-%m-%d'), 'no maturity') as loan_key,
    issuer_key,
    lien,
    maturity_date,
    issuer_name,
    bdc_cik,
    bdc_name,
    accession,
    filed,
    principal,
    cost,
    fair_value,
    mark_pct,
    is_non_accrual,
    holders,
    max(mark_pct) over loan - min(mark_pct) over loan as mark_range_pts,
    -- the sample standard deviation of the holders' marks: unlike the range, it does not grow with the
    -- number of holders
    stddev_samp(mark_pct) over loan as mark_sd_pts,
    median(mark_pct) over loan as median_mark_pct
from with_loan
where holders >= 2
window loan as (partition by period_end, known_from, issuer_key, lien, maturity_date)
