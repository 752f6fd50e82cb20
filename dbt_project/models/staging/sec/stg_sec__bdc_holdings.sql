-- One row per BDC position and period end, as filed (the filing's own period; comparatives dropped at parse).
with

source as (
    select * from {{ source('sec', 'sec__bdc_holdings') }}
),

renamed as (
    select
        bdc_cik,
        bdc_name,
        accession,
        form,
        period_end,
        filed,
        investment_identifier,
        issuer_name,
        issuer_key,
        instrument,
        industry,
        lien,
        maturity_date,
        spread_bp,
        interest_rate,
        principal,
        cost,
        fair_value,
        is_non_accrual,
        dataset,
        payload_hash
    from source
)

select * from renamed
