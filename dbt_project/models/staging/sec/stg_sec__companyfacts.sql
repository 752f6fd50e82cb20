-- One row per XBRL fact: company, concept, unit, period and the filing (accession) that reported it.
-- A period re-reported by a later filing (a comparative, or a restatement with another value) is another
-- row with its own `filed` date: "as known on D" is the latest-filed row with filed <= D.
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
        period_start,
        period_end,
        duration_days,
        fiscal_year,
        fiscal_period,
        form,
        frame,
        filed,
        value,
        accession,
        payload_hash
    from source
    where taxonomy = 'us-gaap'
)

select * from renamed
