-- The companies' cover-page (dei) facts: shares outstanding and public float, one row per fact and filing.
-- `shares_outstanding` is as of a date near the filing (the cover's "as of" date); `public_float` is the
-- market value held by non-affiliates at the end of the second fiscal quarter, reported once a year in the 10-K.
with

source as (
    select * from {{ source('sec', 'sec__companyfacts') }}
),

renamed as (
    select
        cik,
        ticker,
        entity_name,
        concept,
        metric,
        unit,
        period_end as as_of_date,
        fiscal_year,
        fiscal_period,
        form,
        frame,
        filed,
        value,
        accession,
        payload_hash
    from source
    where taxonomy = 'dei'
)

select * from renamed
