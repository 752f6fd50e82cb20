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
    select
        v.view_name,
        d.as_of_date
    from {{ ref('int_calendar_days') }} as d
    cross join (values ('as_known'), ('revised')) as v (view_name)
),

pivoted as (
    select
        view_name,
        as_of_date,
        {{ series_columns(inputs) }}
    from {{ ref('int_series_daily') }}
    where series_id in ({{ "'" ~ inputs | join("', '") ~ "'" }})
    group by view_name, as_of_date
)

select
    d.view_name,
    d.as_of_date,
    p.* exclude (view_name, as_of_date)
from days as d
left join pivoted as p using (view_name, as_of_date)
