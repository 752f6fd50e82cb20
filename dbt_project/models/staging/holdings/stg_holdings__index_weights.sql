-- Index constituents (equity lines only) per fund and as-of date; weight as a fraction of net assets.
-- `shares` is a keyword in the DuckDB dialect but the column name the marts use (RF04 exempted).
with

source as (
    select * from {{ source('holdings', 'holdings__index_weights') }}
),

renamed as (
    select
        fund_ticker,
        as_of_date,
        ticker,
        company_key,
        company_name,
        sector,
        weight_pct / 100.0 as weight,
        market_value,
        quantity as shares,  -- noqa: RF04
        published_on,
        fund_shares_outstanding,
        payload_hash
    from source
    where asset_class = 'Equity'
)

select * from renamed
