with

source as (
    select * from {{ source('catalog', 'catalog__cancelled_releases') }}
),

renamed as (
    select
        source as source_system,
        series_id,
        period as obs_date,
        scheduled_on,
        announced_on,
        statement
    from source
)

select * from renamed
