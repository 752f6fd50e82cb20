-- Gold prices in US dollars per troy ounce, renamed only. Daily closes and period averages sit side by
-- side (frequency); a price is known from the day after the period it covers (known_from).
with

source as (
    select * from {{ source('gold', 'gold__prices') }}
),

renamed as (
    select
        source as source_system,
        date as price_date,
        frequency,
        price_usd,
        realtime_start as known_from,
        payload_hash
    from source
)

select * from renamed
