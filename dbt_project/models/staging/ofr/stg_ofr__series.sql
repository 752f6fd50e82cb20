-- One row per OFR mnemonic: its metadata as last fetched.
with

source as (
    select * from {{ source('ofr', 'ofr__stfm_series') }}
),

renamed as (
    select
        mnemonic,
        series_name,
        description as series_description,
        vintage,
        vintage_approach,
        subtype,
        subsetting,
        unit_type,
        unit_name,
        observation_frequency,
        start_date,
        last_update,
        fetched_at,
        payload_hash
    from source
)

select * from renamed
