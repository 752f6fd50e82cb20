with

source as (
    select * from {{ source('fred', 'fred__release_dates') }}
),

renamed as (
    select distinct
        release_id,
        release_name,
        release_date as scheduled_date
    from source
)

select * from renamed
