with

source as (
    select * from {{ source('fred', 'fred__series') }}
),

renamed as (
    select
        series_id,
        title,
        units,
        units_short,
        frequency_short as frequency,
        seasonal_adjustment_short as seasonal_adjustment,
        last_updated,
        observation_start,
        observation_end,
        notes,
        realtime_start as fetched_on
    from source
    qualify row_number() over (partition by series_id order by realtime_start desc) = 1
)

select * from renamed
