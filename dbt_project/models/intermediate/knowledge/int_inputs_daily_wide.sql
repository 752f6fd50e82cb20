-- One row per view and calendar day with every loop input side by side (the pivot of int_series_daily):
-- <id>, <id>_obs_date, <id>_3m_ago, <id>_1y_ago, <id>_age_days. Benchmarks are not in it: they are never
-- inputs (fct_validation reads them for comparison only).
{% set inputs = ['DFEDTARU', 'DFEDTARL', 'EFFR', 'DFF', 'IOER', 'IORB', 'CPIAUCSL', 'CPILFESL', 'UNRATE',
                 'PAYEMS', 'NROU', 'GDP', 'DGS2', 'WALCL', 'WSHOSHO', 'WRESBAL', 'WTREGEN', 'RRPONTSYD', 'SOFR',
                 'SOFR1', 'SOFR25', 'SOFR75', 'SOFR99', 'SOFRVOL', 'BAMLC0A0CM', 'BAMLH0A0HYM2',
                 'LNS14024887', 'LNS14000060', 'U6RATE', 'DRCLACBS', 'MICH', 'UMCSENT', 'NASDAQCOM', 'VIXCLS',
                 'CBBTCUSD', 'WFRBST01134', 'WFRBSB50215'] %}
with

days as (
    select * from {{ ref('int_view_days') }}
),

long as (
    select
        view_name,
        as_of_date,
        lower(series_id) as series,
        value,
        obs_date,
        value_3m_ago,
        value_1y_ago,
        age_days,
        is_current
    from {{ ref('int_series_daily') }}
    where series_id in ({{ "'" ~ inputs | join("', '") ~ "'" }})
),

-- PIVOT with the series listed: every column exists even for a series the warehouse lacks
pivoted as (
    pivot long
    on series in ({{ "'" ~ inputs | map('lower') | join("', '") ~ "'" }})
    using max(value) as v, max(obs_date) as o, max(value_3m_ago) as m3, max(value_1y_ago) as y1,
    max(age_days) as age, bool_or(is_current) as cur
    group by view_name, as_of_date
)

select
    d.view_name,
    d.as_of_date,
    {%- for sid in inputs %}
    {%- set c = sid | lower %}
    p.{{ c }}_v as {{ c }},
    p.{{ c }}_o as {{ c }}_obs_date,
    p.{{ c }}_m3 as {{ c }}_3m_ago,
    p.{{ c }}_y1 as {{ c }}_1y_ago,
    p.{{ c }}_age as {{ c }}_age_days,
    coalesce(p.{{ c }}_cur, false) as {{ c }}_current{{ "," if not loop.last }}
    {%- endfor %}
from days as d
left join pivoted as p using (view_name, as_of_date)
