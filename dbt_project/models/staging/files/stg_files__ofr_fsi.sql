-- The OFR Financial Stress Index by day, renamed only. A benchmark for the composite, never an input.
with

source as (
    select * from {{ source('files', 'files__ofr_fsi') }}
),

renamed as (
    select
        date as obs_date,
        ofr_fsi,
        credit as credit_contribution,
        equity_valuation as equity_valuation_contribution,
        safe_assets as safe_assets_contribution,
        funding as funding_contribution,
        volatility as volatility_contribution,
        united_states as united_states_contribution,
        other_advanced as other_advanced_contribution,
        emerging as emerging_markets_contribution,
        payload_hash
    from source
)

select * from renamed
