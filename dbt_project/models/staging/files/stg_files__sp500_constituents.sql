-- S&P 500 constituents per snapshot date, typed in ingestion (market cap in dollars), weighted so that a
-- company counts once. The files give every share class the whole company's market cap (price x all
-- shares: GOOG and GOOGL both about 4.2 trillion on 2026-08-22), so the company is weighted once, on its
-- primary listing; its other classes keep their rows with weight 0.
with

source as (
    select * from {{ source('files', 'files__sp500_constituents') }}
),

renamed as (
    select
        as_of_date,
        symbol,
        company_key,
        name as company_name,
        sector,
        market_cap,
        price,
        dividend_yield_pct,
        price_earnings,
        earnings_per_share,
        book_value,
        low_52_week,
        high_52_week,
        ebitda,
        price_sales,
        price_book,
        sec_filings_url,
        file_layout,
        row_note,
        payload_hash
    from source
),

ranked as (
    select
        *,
        -- the primary listing: a row with a market cap, the company key's own ticker first
        row_number() over (
            partition by as_of_date, company_key
            order by market_cap is null, replace(replace(symbol, '-', '.'), '/', '.') <> company_key, symbol
        ) = 1 as is_primary_listing,
        count(*) over (partition by as_of_date, company_key) as company_listings
    from renamed
),

company as (
    select
        *,
        max(case when is_primary_listing then market_cap end) over (partition by as_of_date, company_key)
            as company_market_cap,
        sum(case when is_primary_listing then market_cap end) over (partition by as_of_date)
            as snapshot_market_cap
    from ranked
),

weighted as (
    select
        * exclude (snapshot_market_cap),
        company_market_cap / snapshot_market_cap as company_weight,
        case
            when is_primary_listing then company_market_cap / snapshot_market_cap
            when company_market_cap is not null then 0.0
        end as weight
    from company
)

select * from weighted
