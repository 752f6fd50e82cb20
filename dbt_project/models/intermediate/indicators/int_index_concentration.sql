-- Concentration per holdings date and weights source: top-10 and Magnificent-7 weight, the AI /
-- Big Tech set's weight, the Herfindahl index and the effective number of constituents, and the 12-month
-- change of the scored ones against the same source's snapshot about a year earlier (320 to 410 days
-- before; none in a gap of the files). Share classes of one company (GOOG/GOOGL) count once: weights are
-- summed by company_key first.
with

constituents as (
    select
        as_of_date,
        company_key,
        weight,
        published_on,
        'etf_holdings' as weights_source
    from {{ ref('stg_holdings__index_weights') }}
    union all
    select
        as_of_date,
        company_key,
        weight,
        as_of_date as published_on,
        'sp500_snapshot' as weights_source
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
),

measures as (
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
),

year_ago as (
    select
        s.*,
        p.as_of_date as prior_date,
        p.top10_weight as prior_top10_weight,
        p.hhi as prior_hhi,
        p.ai_set_weight as prior_ai_set_weight
    from measures as s
    asof left join measures as p
        on s.weights_source = p.weights_source and s.as_of_date - 320 >= p.as_of_date
)

select
    as_of_date,
    weights_source,
    published_on,
    companies,
    top10_weight,
    mag7_weight,
    ai_set_weight,
    hhi,
    effective_constituents,
    case when as_of_date - prior_date <= 410 then prior_date end as year_ago_date,
    case when as_of_date - prior_date <= 410 then top10_weight - prior_top10_weight end as top10_weight_change_12m,
    case when as_of_date - prior_date <= 410 then hhi - prior_hhi end as hhi_change_12m,
    case when as_of_date - prior_date <= 410 then ai_set_weight - prior_ai_set_weight end as ai_set_weight_change_12m
from year_ago
