-- How the readings track the published stress indices (comparison only: nothing upstream of the readings
-- reads a benchmark). Per reading (composite, stress, vulnerability), view (as_known, revised), benchmark
-- (NFCI, ANFCI, STLFSI4: the latest FRED vintage; the OFR FSI: the file drop) and window (all days, each
-- decade), on the benchmark's weekly dates (Fridays; the daily OFR FSI too):
--   spearman_rho     rank correlation (average ranks for ties) of the reading and the benchmark
--   top_decile_lift  median reading in the benchmark's own top-decile weeks of the window minus the
--                    median reading in its calm weeks (benchmark at or below its median)
--   extreme_share    share of the window's days on which the reading is published and sits at >= 99 or <= 1
with

readings as (
    unpivot (
        select
            view_name,
            as_of_date,
            composite_score,
            stress_score,
            vulnerability_score
        from {{ ref('int_readings_daily') }}
    )
    on composite_score as composite, stress_score as stress, vulnerability_score as vulnerability
    into name reading value reading_value
),

fred_benchmarks as (
    select
        v.series_id as benchmark,
        v.obs_date as as_of_date,
        arg_max(v.value, v.realtime_start) as benchmark_value
    from {{ ref('int_observation_vintages') }} as v
    inner join {{ ref('stg_catalog__series') }} as c using (series_id)
    where c.loop_name = 'benchmark' and v.series_id in ('NFCI', 'ANFCI', 'STLFSI4') and v.value is not null
    group by v.series_id, v.obs_date
),

benchmarks as (
    select
        benchmark,
        as_of_date,
        benchmark_value
    from fred_benchmarks
    where extract(isodow from as_of_date) = 5
    union all
    select
        'OFR_FSI' as benchmark,
        obs_date as as_of_date,
        ofr_fsi as benchmark_value
    from {{ ref('stg_files__ofr_fsi') }}
    where ofr_fsi is not null and extract(isodow from obs_date) = 5
),

windows as (
    select
        'all days' as window_name,
        date '1900-01-01' as window_start,
        date '9999-12-31' as window_end
    union all
    select
        d || 's' as window_name,
        make_date(d, 1, 1) as window_start,
        make_date(d + 9, 12, 31) as window_end
    from range(1970, 2030, 10) as t (d)  -- noqa: AL05
),

paired as (
    select
        r.reading,
        r.view_name,
        b.benchmark,
        w.window_name,
        w.window_start,
        w.window_end,
        b.as_of_date,
        r.reading_value,
        b.benchmark_value
    from benchmarks as b
    inner join readings as r using (as_of_date)
    inner join windows as w on b.as_of_date between w.window_start and w.window_end
),

ranked as (
    select
        *,
        (rank() over g_value_asc + count(*) over g + 1 - rank() over g_value_desc) / 2.0 as value_rank,
        (rank() over g_bench_asc + count(*) over g + 1 - rank() over g_bench_desc) / 2.0 as benchmark_rank,
        quantile_cont(benchmark_value, 0.9) over g as benchmark_p90,
        median(benchmark_value) over g as benchmark_median
    from paired
    window
        g as (partition by reading, view_name, benchmark, window_name),
        -- ranked on 9 decimals: scores come from parallel averages whose last bits vary between builds
        g_value_asc as (partition by reading, view_name, benchmark, window_name order by round(reading_value, 9)),
        g_value_desc as (
            partition by reading, view_name, benchmark, window_name order by round(reading_value, 9) desc
        ),
        g_bench_asc as (partition by reading, view_name, benchmark, window_name order by benchmark_value),
        g_bench_desc as (partition by reading, view_name, benchmark, window_name order by benchmark_value desc)
),

correlations as (
    select
        reading,
        view_name,
        benchmark,
        window_name,
        min(window_start) as window_start,
        min(window_end) as window_end,
        count(*) as weeks,
        min(as_of_date) as first_date,
        max(as_of_date) as last_date,
        corr(value_rank, benchmark_rank) as spearman_rho,
        median(reading_value) filter (where benchmark_value >= benchmark_p90) as top_decile_median,
        median(reading_value) filter (where benchmark_value <= benchmark_median) as calm_median
    from ranked
    group by reading, view_name, benchmark, window_name
),

extremes as (
    select
        r.reading,
        r.view_name,
        w.window_name,
        count(*) as days_published,
        avg(case when r.reading_value >= 99 or r.reading_value <= 1 then 1.0 else 0.0 end) as extreme_share
    from readings as r
    inner join windows as w on r.as_of_date between w.window_start and w.window_end
    group by r.reading, r.view_name, w.window_name
)

select
    c.reading,
    c.view_name,
    c.benchmark,
    c.window_name,
    c.window_start,
    c.window_end,
    c.weeks,
    c.first_date,
    c.last_date,
    c.spearman_rho,
    c.top_decile_median,
    c.calm_median,
    c.top_decile_median - c.calm_median as top_decile_lift,
    e.days_published,
    e.extreme_share
from correlations as c
left join extremes as e using (reading, view_name, window_name)
where c.weeks >= 8
