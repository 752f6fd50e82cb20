-- One row per view and day with every loop input side by side (the pivot of int_series_daily).
{% set inputs = ['DFEDTARU', 'DFEDTARL', 'EFFR', 'IOER', 'IORB', 'CPIAUCSL', 'CPILFESL', 'UNRATE', 'PAYEMS',
                 'NROU', 'GDP', 'DGS2', 'WALCL', 'WSHOSHO', 'WRESBAL', 'WTREGEN', 'RRPONTSYD', 'SOFR',
                 'SOFR1', 'SOFR25', 'SOFR75', 'SOFR99', 'SOFRVOL', 'BAMLC0A0CM', 'BAMLH0A0HYM2',
                 'LNS14024887', 'LNS14000060', 'DRCLACBS', 'MICH', 'UMCSENT', 'NASDAQCOM', 'SP500',
                 'CBBTCUSD', 'VIXCLS', 'STLFSI4', 'NFCI', 'WFRBST01134', 'WFRBSB50215'] %}
select
    view_name,
    as_of_date,
    {{ series_columns(inputs) }}
from {{ ref('int_series_daily') }}
group by view_name, as_of_date
