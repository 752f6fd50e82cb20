-- The data fog per day, as known that day, over the inputs that actually feed an indicator: every FRED
-- series an indicator reads, and the growth releases of policy error in the fog (int_input_status_daily:
-- late, cancelled, stale, heavily revised or ok), and
-- every filing or snapshot source (holdings, SEC company facts, BDC filings, NY Fed rates: stale past its
-- own limit, else ok). Series that feed nothing are not in it.
-- The fog index weighs an input by the length of its period in days (a quarter 92, a month 31, a week 7, a
-- day 1): what a late or cancelled release takes away is a whole period of information. A heavy revision
-- counts half (the value is there, but what was known before was wrong).
{#- the growth releases of policy error in the fog (int_growth_fog_daily) feed its score too -#}
{%- set fred_inputs = ['UNRATE', 'PAYEMS', 'GDP', 'CPILFESL', 'CPIAUCSL'] -%}
{%- set sources = [] -%}
{%- for e in indicator_spec() -%}
    {%- for s in indicator_input_series(e) -%}{%- if s not in fred_inputs -%}{%- do fred_inputs.append(s) -%}{%- endif -%}{%- endfor -%}
    {%- if e.source and e.source not in sources -%}{%- do sources.append(e.source) -%}{%- endif -%}
{%- endfor %}
with

fred_status as (
    select
        s.as_of_date,
        s.series_id as input_name,
        s.loop_name,
        s.input_status,
        s.days_late,
        s.cancelled_period,
        s.heavy_revision_period,
        s.heavy_revision_rel,
        s.age_days,
        c.period_days::double as input_weight
    from {{ ref('int_input_status_daily') }} as s
    inner join {{ ref('stg_catalog__series') }} as c using (series_id)
    where s.series_id in ('{{ fred_inputs | join("', '") }}')
),

source_status as (
    -- one row per day and source: its age is the oldest age among the indicators it feeds that day
    select
        as_of_date,
        source_name as input_name,
        any_value(loop_name) as loop_name,
        case when bool_or(not is_current) then 'stale' else 'ok' end as input_status,
        null::integer as days_late,
        null::date as cancelled_period,
        null::date as heavy_revision_period,
        null::double as heavy_revision_rel,
        max(source_age_days) as age_days,
        case when source_name = 'nyfed' then 1.0 when source_name = 'holdings' then 31.0 else 92.0 end
            as input_weight
    from {{ ref('int_indicators_long') }}
    where view_name = 'as_known' and source_name is not null
    group by as_of_date, source_name
),

inputs as (
    select * from fred_status
    union all
    select * from source_status
)

select
    as_of_date,
    count(*) as inputs_total,
    count(*) filter (where input_status = 'ok') as inputs_ok,
    count(*) filter (where input_status = 'stale') as inputs_stale,
    count(*) filter (where input_status = 'late') as inputs_late,
    count(*) filter (where input_status = 'cancelled') as inputs_cancelled,
    count(*) filter (where input_status = 'revised') as inputs_revised,
    sum(input_weight * case input_status when 'ok' then 0.0 when 'revised' then 0.5 else 1.0 end)
    / sum(input_weight) as fog_index,
    string_agg(input_name || ' ' || age_days || 'd old', ', ' order by input_name)
    filter (where input_status = 'stale') as stale_inputs,
    string_agg(input_name || ' ' || days_late || 'd', ', ' order by days_late desc, input_name asc)
    filter (where input_status = 'late') as late_inputs,
    string_agg(
        input_name || ' ' || strftime(cancelled_period, '%Y-%m') || ' cancelled', '; '
        order by cancelled_period, input_name
    ) filter (where input_status = 'cancelled'
    ) as cancelled_inputs,
    string_agg(
        input_name || ' ' || strftime(heavy_revision_period, '%Y-%m') || ' '
        || printf('%+.2f%%', 100 * heavy_revision_rel), ', ' order by input_name
    )
    filter (where input_status = 'revised') as revised_inputs
from inputs
group by as_of_date
