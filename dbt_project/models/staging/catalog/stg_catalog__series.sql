with

source as (
    select * from {{ source('catalog', 'catalog__series') }}
),

renamed as (
    select
        source as source_system,
        series_id,
        loop_name,
        unit,
        frequency,
        release_name,
        release_id,
        is_revisable,
        title,
        discontinued_on,
        -- how many periods make "a year ago" / "a quarter ago" for change features
        case frequency when 'D' then 252 when 'W' then 52 when 'M' then 12 when 'Q' then 4 else 1 end
            as periods_per_year,
        -- how long a value may sit before it is stale, in days, by frequency
        case frequency when 'D' then 5 when 'W' then 14 when 'M' then 80 when 'Q' then 215 else 400 end
            as stale_after_days
    from source
)

select * from renamed
