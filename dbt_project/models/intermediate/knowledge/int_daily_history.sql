-- The observation-date history of the daily market series that indicators compare with each other on the
-- same observation date (a spread of two rates is taken on one date, never today's rate against
-- yesterday's): one row per series and observation date, its latest value and the day it first became
-- available. These series are not revised, so one history serves both views; as known on D is every row
-- with available_from <= D.
with

vintages as (
    select *
    from {{ ref('int_observation_vintages') }}
    where value is not null
        and series_id in ('EFFR', 'DFF', 'DGS2', 'IORB', 'IOER', 'SOFR', 'NASDAQCOM', 'CBBTCUSD', 'DFEDTARU', 'DFEDTARL')
)

select
    series_id,
    obs_date,
    arg_max(value, known_from) as value,
    min(known_from) as available_from
from vintages
group by series_id, obs_date
