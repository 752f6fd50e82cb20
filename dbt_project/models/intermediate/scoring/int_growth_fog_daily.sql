-- Share of the growth and inflation data the Fed reacts to (jobs, unemployment, GDP, CPI: core, else
-- headline where the warehouse has no core CPI) that is late, stale, cancelled or heavily revised as known each day: the
-- "fog" in "tightening into the fog".
with

status as (
    select
        as_of_date,
        series_id,
        input_status
    from {{ ref('int_input_status_daily') }}
    where series_id in ('UNRATE', 'PAYEMS', 'GDP', 'CPILFESL', 'CPIAUCSL')
),

chosen as (
    select *
    from status
    where series_id <> 'CPIAUCSL'
        or not exists (
            select 1 from status as c
            where c.series_id = 'CPILFESL' and c.as_of_date = status.as_of_date
        )
)

select
    as_of_date,
    avg(case when input_status = 'ok' then 0.0 else 1.0 end) as growth_fog_share
from chosen
group by as_of_date
