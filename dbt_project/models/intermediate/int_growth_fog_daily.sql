-- Share of the growth and inflation data the Fed reacts to (jobs, unemployment, GDP, core CPI)
-- that is stale or cancelled as known each day: the "fog" in "tightening into the fog".
select
    as_of_date,
    avg(case when input_status = 'ok' then 0.0 else 1.0 end) as growth_fog_share
from {{ ref('int_input_status_daily') }}
where series_id in ('UNRATE', 'PAYEMS', 'GDP', 'CPILFESL')
group by as_of_date
