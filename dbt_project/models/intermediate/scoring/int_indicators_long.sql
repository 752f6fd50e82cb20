-- Every scored indicator (macros/indicator_spec.sql) in one long table, per view and day, with whether
-- its inputs are current that day and how fresh they are.
--   is_current: every FRED input's newest value is within its stale_after_days, and a filing or snapshot
--               input is within its own limit. A non-current row keeps its value but gets no z and no
--               score: a value carried past its time is fog, not news.
--   freshness:  as known, the worst release status of its FRED inputs that day (ok 1, heavily revised 0.5,
--               late, cancelled or stale 0; int_input_status_daily); 1 for a current filing or snapshot;
--               revised view: 1 when current (hindsight has no fog).
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
with

values_long as (
    {%- for e in indicator_spec() %}
        select
            view_name,
            as_of_date,
            '{{ "stress" if e.loop in var("stress_loop_weights") else "vulnerability" }}' as reading,
            '{{ e.loop }}' as loop_name,
            '{{ e.indicator }}' as indicator,
            ({{ e.column }})::double as value,
            {{ e.direction }} as direction,
            {{ e.iqr_floor }}::double as iqr_floor,
            [{%- for i in e.inputs -%}
                {{ i.column if i is mapping else "'" ~ i ~ "'" }}{{ ", " if not loop.last }}
            {%- endfor -%}]::varchar[] as inputs,
            {{ ("'" ~ e.source ~ "'") if e.source else 'null' }}::varchar as source_name,
            ({{ e.age_column if e.age_column else 'null' }})::integer as source_age_days,
            {{ e.stale_after_days if e.stale_after_days else 'null' }}::integer as source_stale_after_days
        from {{ ref(e.model) }}
        where ({{ e.column }}) is not null
            {%- if e.where %} and {{ e.where }}{% endif %}
        {{ recompute_filter('and') }}
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

input_rows as (
    select
        v.view_name,
        v.as_of_date,
        v.indicator,
        unnest(v.inputs) as series_id
    from values_long as v
),

-- release statuses are as known (hindsight has no fog): a constant view key keeps the join a hash join
release_status as (
    select
        'as_known' as view_name,
        as_of_date,
        series_id,
        input_status
    from {{ ref('int_input_status_daily') }}
),

input_state as (
    select
        i.view_name,
        i.as_of_date,
        i.indicator,
        bool_and(coalesce(d.is_current, false)) as inputs_current,
        min(
            case
                when i.view_name = 'revised' then 1.0
                when s.input_status = 'revised' then 0.5
                when s.input_status in ('late', 'cancelled', 'stale') then 0.0
                else 1.0
            end
        ) as inputs_freshness,
        string_agg(
            case when s.input_status is not null and s.input_status <> 'ok' and i.view_name = 'as_known'
                    then i.series_id || ' ' || s.input_status
            end, ', ' order by i.series_id
        ) as fogged_inputs
    from input_rows as i
    left join {{ ref('int_series_daily') }} as d
        on i.view_name = d.view_name and i.as_of_date = d.as_of_date and i.series_id = d.series_id
    -- release statuses are as known (hindsight has no fog): a constant join key keeps this a hash join
    left join (
        select
            'as_known' as view_name,
            *
        from {{ ref('int_input_status_daily') }}
    ) as s
        on i.view_name = s.view_name and i.as_of_date = s.as_of_date and i.series_id = s.series_id
    group by i.view_name, i.as_of_date, i.indicator
)

select
    v.view_name,
    v.as_of_date,
    v.reading,
    v.loop_name,
    v.indicator,
    v.value,
    v.direction,
    v.iqr_floor,
    v.inputs,
    v.source_name,
    v.source_age_days,
    coalesce(s.inputs_current, true)
    and (v.source_age_days is null or v.source_age_days <= v.source_stale_after_days) as is_current,
    case
        when not (
                coalesce(s.inputs_current, true)
                and (v.source_age_days is null or v.source_age_days <= v.source_stale_after_days)
            ) then 0.0
        else coalesce(s.inputs_freshness, 1.0)
    end as freshness,
    concat_ws(
        ', ', s.fogged_inputs,
        case when v.source_age_days > v.source_stale_after_days
                then v.source_name || ' ' || v.source_age_days || 'd old'
        end
    ) as fog_detail
from values_long as v
left join input_state as s using (view_name, as_of_date, indicator)
