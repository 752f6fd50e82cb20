-- One row per rate type, effective date and version, as the NY Fed published it.
with

source as (
    select * from {{ source('nyfed', 'nyfed__reference_rates') }}
),

renamed as (
    select
        rate_type,
        effective_date,
        percent_rate as rate_pct,
        percentile_1 as p1,
        percentile_25 as p25,
        percentile_75 as p75,
        percentile_99 as p99,
        volume_in_billions as volume_bn,
        target_rate_from as target_range_lower,
        target_rate_to as target_range_upper,
        intraday_low,
        intraday_high,
        std_deviation,
        footnote_id,
        nullif(revision_indicator, '') as revision_indicator,
        method_version,
        published_at,
        published_on,
        knowledge_basis,
        fetched_at,
        version_hash,
        payload_hash
    from source
)

select * from renamed
