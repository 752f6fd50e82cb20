-- Which BDC filing stands for each BDC, period and knowledge date: for every filing date of a period
-- (known_from), each BDC's latest filing for that period filed by then. An amendment (10-Q/A) replaces its
-- original; it is never added to it.
with

filings as (
    select distinct
        bdc_cik,
        period_end,
        accession,
        filed
    from {{ ref('stg_sec__bdc_holdings') }}
),

events as (
    select distinct
        period_end,
        filed as known_from
    from filings
)

select
    e.period_end,
    e.known_from,
    f.bdc_cik,
    f.accession,
    f.filed
from events as e
inner join filings as f on e.period_end = f.period_end and f.filed <= e.known_from
qualify row_number() over (
    partition by e.period_end, e.known_from, f.bdc_cik order by f.filed desc, f.accession desc
) = 1
