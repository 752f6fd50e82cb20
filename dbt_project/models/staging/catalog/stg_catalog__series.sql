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
        publication_lag_days,
        -- how many periods make "a year ago" / "a quarter ago" for change features
        case frequency when 'D' then 252 when 'W' then 52 when 'M' then 12 when 'Q' then 4 else 1 end
            as periods_per_year,
        -- the length of one period in days
        case frequency when 'D' then 1 when 'W' then 7 when 'M' then 31 when 'Q' then 92 else 366 end as period_days,
        -- how old (as_of_date - period start) the newest value may be before it is stale: just before the
        -- next period's first release it is two periods plus the publication lag old; a small grace on top
        2 * case frequency when 'D' then 1 when 'W' then 7 when 'M' then 31 when 'Q' then 92 else 366 end
        + greatest(publication_lag_days, 0)
        + case frequency when 'D' then 3 when 'W' then 3 when 'M' then 10 when 'Q' then 20 else 30 end
            as stale_after_days
    from source
)

select * from renamed
