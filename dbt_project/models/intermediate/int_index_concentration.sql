-- Concentration per holdings date and weights source: top-10 and Magnificent-7 weight, the AI /
-- Big Tech set's weight, the Herfindahl index and the effective number of constituents. Share
-- classes of one company (GOOG/GOOGL) count once: weights are summed by company_key first.
with

constituents as (
    select as_of_date, company_key, weight, published_on, 'etf_holdings' as weights_source
    from {{ ref('stg_holdings__index_weights') }}
    union all
    select as_of_date, company_key, weight, as_of_date as published_on, 'sp500_snapshot' as weights_source
    from {{ ref('stg_files__sp500_constituents') }}
),

companies as (
    select
        as_of_date,
        weights_source,
        company_key,
        sum(weight) as weight,
        max(published_on) as published_on
    from constituents
    group by as_of_date, weights_source, company_key
),

normalised as (
    select
        *,
        weight / sum(weight) over (partition by as_of_date, weights_source) as w,
        row_number() over (partition by as_of_date, weights_source order by weight desc) as size_rank
    from companies
)

select
    as_of_date,
    weights_source,
    max(published_on) as published_on,
    count(*) as companies,
    sum(w) filter (where size_rank <= 10) as top10_weight,
    sum(w) filter (where company_key in {{ var('magnificent_7') }}) as mag7_weight,
    sum(w) filter (where company_key in {{ var('ai_bigtech_set') }}) as ai_set_weight,
    sum(w * w) as hhi,
    1.0 / sum(w * w) as effective_constituents
from normalised
group by as_of_date, weights_source
