-- Loop scores: the mean z of a loop's indicators, standardised again against the loop's own
-- history (expanding), so 80 means "around its own 80th percentile". A loop is in stress when its
-- mean z is at or above the expanding 80th percentile of its own past.
with

loop_raw as (
    select view_name, as_of_date, loop_name, avg(z_score) as raw_z, count(*) as n_indicators
    from {{ ref('int_indicator_scores') }}
    where z_score is not null
    group by view_name, as_of_date, loop_name
),

scored as (
    select
        *,
        {{ expanding_robust_z('raw_z', 'view_name, loop_name', 'as_of_date') }} as loop_z,
        raw_z >= quantile_cont(raw_z, {{ var('stress_quantile') }}) over (
            partition by view_name, loop_name order by as_of_date
            rows between unbounded preceding and current row
        ) as in_stress
    from loop_raw
)

select
    view_name,
    as_of_date,
    loop_name,
    n_indicators,
    raw_z,
    loop_z,
    {{ z_to_score('loop_z') }} as loop_score,
    in_stress and loop_z is not null as in_stress
from scored
