-- One row per OFR repo mnemonic, observation date and value version (preliminary and final vintages
-- are separate mnemonics, so both are kept side by side).
with

source as (
    select * from {{ source('ofr', 'ofr__stfm_observations') }}
),

renamed as (
    select
        mnemonic,
        segment,
        measure,
        tenor,
        obs_date,
        value,
        value_status,
        unit,
        is_preliminary,
        published_on,
        knowledge_basis,
        fetched_at,
        version_hash,
        payload_hash
    from source
)

select * from renamed
