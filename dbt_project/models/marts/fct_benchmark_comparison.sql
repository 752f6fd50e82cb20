-- How the composite and each loop co-move with the published stress indices (benchmarks only,
-- never inputs): Spearman rank correlation per window, on weekly (Friday) points where both exist.
-- Uses the revised view, so that a benchmark known only with hindsight is compared like for like.
with

ours as (
    select
        as_of_date,
        composite_score,
        loop_policy_error,
        loop_ai_leverage,
        loop_private_credit,
        loop_k_shape,
        loop_concentration,
        repo_stress
    from {{ ref('fct_fragility_daily_revised') }}
    where extract(isodow from as_of_date) = 5
),

benchmarks as (
    select
        as_of_date,
        'STLFSI4' as benchmark,
        stlfsi4 as benchmark_value
    from {{ ref('int_inputs_daily_wide') }}
    where view_name = 'revised' and stlfsi4 is not null
    union all
    select
        as_of_date,
        'NFCI' as benchmark,
        nfci as benchmark_value
    from {{ ref('int_inputs_daily_wide') }}
    where view_name = 'revised' and nfci is not null
    union all
    -- the OFR FSI comes from a file drop (files source), daily; absent in the sample world
    select
        obs_date as as_of_date,
        'OFR_FSI' as benchmark,
        ofr_fsi as benchmark_value
    from {{ ref('stg_files__ofr_fsi') }}
    where ofr_fsi is not null
),

paired as (
    select
        b.benchmark,
        o.*,
        b.benchmark_value
    from ours as o
    inner join benchmarks as b using (as_of_date)
),

windows as (
    select
        w.window_name,
        w.window_start,
        w.window_end
    from (
        values
        ('full history', date '1900-01-01', date '9999-12-31'),
        ('2015-2019', date '2015-01-01', date '2019-12-31'),
        ('2020-2021 (COVID)', date '2020-01-01', date '2021-12-31'),
        ('2022-2023 (hikes, banks)', date '2022-01-01', date '2023-12-31'),
        ('2024-2025 (QT, shutdown)', date '2024-01-01', date '2025-12-31')
    ) as w (window_name, window_start, window_end)
),

unpivoted as (
    unpivot paired
    on composite_score, loop_policy_error, loop_ai_leverage, loop_private_credit, loop_k_shape,
    loop_concentration, repo_stress
    into name measure value value
),

long as (
    select
        u.benchmark,
        w.window_name,
        w.window_start,
        u.as_of_date,
        u.measure,
        u.value,
        u.benchmark_value
    from unpivoted as u
    inner join windows as w on u.as_of_date between w.window_start and w.window_end
    where u.value is not null and u.benchmark_value is not null
),

ranked as (
    select
        *,
        -- ranked on 9 decimals: scores come from parallel averages whose last bits vary between builds,
        -- and near-ties would otherwise rank differently each time
        rank() over (partition by benchmark, window_name, measure order by round(value, 9)) as value_rank,
        rank() over (partition by benchmark, window_name, measure order by benchmark_value) as benchmark_rank
    from long
)

select
    benchmark,
    window_name,
    min(window_start) as window_start,
    measure,
    count(*) as weeks,
    min(as_of_date) as first_date,
    max(as_of_date) as last_date,
    corr(value_rank, benchmark_rank) as spearman_rho
from ranked
group by benchmark, window_name, measure
having count(*) >= 8
