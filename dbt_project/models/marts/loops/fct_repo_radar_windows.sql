-- Every radar spoke averaged over the reference windows of the source article, per rate; each
-- spoke is then min-max normalised against the same rate's windows up to and including this one, in
-- time order (0 = the calmest so far, 1 = the most stressed so far): a window is never rescaled by a
-- later one, so 2019 reads the same before and after 2025 happened. The first window has nothing to
-- be compared with (NULL).
with

windows as (
    select
        w.window_name,
        w.window_start,
        w.window_end
    from (
        values
        ('2018Q3', date '2018-07-01', date '2018-09-30'),
        ('2019Q1', date '2019-01-01', date '2019-03-31'),
        ('Sept 2019', date '2019-09-01', date '2019-09-30'),
        ('June 2025', date '2025-06-01', date '2025-06-30'),
        ('Oct 2025', date '2025-10-01', date '2025-10-31')
    ) as w (window_name, window_start, window_end)
),

daily as (
    select * from {{ ref('fct_repo_radar') }}
    where extract(isodow from as_of_date) <= 5
),

averaged as (
    select
        w.window_name,
        w.window_start,
        w.window_end,
        d.rate_type,
        count(*) as days,
        avg(d.share_low) as share_low,
        avg(d.share_high) as share_high,
        avg(d.share_estimate) as share_estimate,
        avg(d.volume_at_or_above_iorb_bn) as volume_at_or_above_iorb_bn,
        avg(d.spread_bp) as spread_bp,
        avg(d.p99_spread_bp) as p99_spread_bp,
        avg(d.reserves_to_gdp_pct) as reserves_to_gdp_pct,
        -- reserves scarcity: the lower reserves are against "ample", the higher the spoke
        -avg(d.reserves_above_ample_pct) as reserves_scarcity_pct
    from windows as w
    inner join daily as d on d.as_of_date between w.window_start and w.window_end
    group by w.window_name, w.window_start, w.window_end, d.rate_type
),

normalised as (
    select
        *,
    {% for spoke in ['share_estimate', 'spread_bp', 'p99_spread_bp', 'reserves_scarcity_pct', 'volume_at_or_above_iorb_bn'] %}
        ({{ spoke }} - min({{ spoke }}) over r) / nullif(max({{ spoke }}) over r - min({{ spoke }}) over r, 0)
            as {{ spoke }}_norm{{ "," if not loop.last }}  -- noqa: LT02
    {% endfor %}
    from averaged
    window r as (partition by rate_type order by window_start rows between unbounded preceding and current row)
)

select * from normalised
