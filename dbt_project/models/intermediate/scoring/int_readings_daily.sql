-- The three readings, per view and day: stress (fast: funding and the repo radar, credit, volatility,
-- policy error in the fog), vulnerability (slow: AI / Big Tech leverage, private credit, the K shape,
-- concentration, all as deviations or changes) and the composite, each with its coverage, its
-- confidence and, when it is not published, why.
--   reading score  = sum_l (w_l c_l s_l) / sum_l (w_l c_l) over the reading's loops with current inputs,
--                    w_l the loop's weight in the reading (vars stress_loop_weights /
--                    vulnerability_loop_weights), c_l its confidence, s_l its score
--   composite      = the same over all eight loops with w_l x the reading's weight (composite_reading_weights)
--   confidence     = sum_l (w_l c_l) / sum_l w_l over the loops defined that day (a loop whose inputs went
--                    silent counts with c_l = 0; a loop the warehouse never had data for does not count)
--   published when: stress has min_stress_loops loops with current inputs; vulnerability
--                    min_vulnerability_loops; the composite needs a published stress reading (two thirds
--                    of its weight) and min_composite_loops loops; each needs confidence >= confidence_floor.
-- The revised view uses hindsight: confidence there is coverage only (no fog).
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
{%- set readings = reading_loops() -%}
{%- set all_loops = readings['stress'].keys() | list + readings['vulnerability'].keys() | list -%}
with

days as (
    select * from {{ ref('int_view_days') }}
),

weights (reading, loop_name, loop_weight, reading_weight) as (
    values
    {%- for r, loops in readings.items() %}
        {%- set outer_last = loop.last %}
        {%- for l, w in loops.items() %}
            ('{{ r }}', '{{ l }}', {{ w }}::double, {{ var('composite_reading_weights')[r] }}::double)
            {{- "," if not (outer_last and loop.last) }}
        {%- endfor %}
    {%- endfor %}
),

loops as (
    select
        s.*,
        w.loop_weight,
        w.reading_weight * w.loop_weight as composite_weight
    from {{ ref('int_loop_scores') }} as s
    inner join weights as w using (reading, loop_name)
),

per_reading as (
    select
        view_name,
        as_of_date,
        reading,
        count(*) filter (where has_current_inputs) as loops_covered,
        sum(loop_weight * confidence * loop_score) filter (where has_current_inputs)
        / nullif(sum(loop_weight * confidence) filter (where has_current_inputs), 0) as score,
        sum(loop_weight * confidence) / nullif(sum(loop_weight), 0) as confidence
    from loops
    group by view_name, as_of_date, reading
),

composite as (
    select
        view_name,
        as_of_date,
        count(*) filter (where has_current_inputs) as loops_covered,
        sum(composite_weight * confidence * loop_score) filter (where has_current_inputs)
        / nullif(sum(composite_weight * confidence) filter (where has_current_inputs), 0) as score,
        sum(composite_weight * confidence) / nullif(sum(composite_weight), 0) as confidence,
        count(*) filter (where in_stress) as loops_in_stress,
        {%- for l in all_loops %}
            max(loop_score) filter (where loop_name = '{{ l }}') as loop_{{ l }},
            max(confidence) filter (where loop_name = '{{ l }}') as confidence_{{ l }},
        {%- endfor %}
        string_agg(loop_name, ', ' order by loop_name) filter (where has_current_inputs) as covered_loops
    from loops
    group by view_name, as_of_date
),

joined as (
    select
        d.view_name,
        d.as_of_date,
        c.* exclude (view_name, as_of_date),
        coalesce(s.loops_covered, 0) as stress_loops_covered,
        s.score as stress_candidate,
        s.confidence as stress_confidence,
        coalesce(v.loops_covered, 0) as vulnerability_loops_covered,
        v.score as vulnerability_candidate,
        v.confidence as vulnerability_confidence
    from days as d
    left join composite as c using (view_name, as_of_date)
    left join per_reading as s on d.view_name = s.view_name and d.as_of_date = s.as_of_date and s.reading = 'stress'
    left join per_reading as v
        on d.view_name = v.view_name and d.as_of_date = v.as_of_date and v.reading = 'vulnerability'
),

reasons as (
    select
        *,
        case
            when stress_loops_covered < {{ var('min_stress_loops') }}
                then 'insufficient data: ' || stress_loops_covered || ' of 4 stress loops have current inputs (needs '
                    || {{ var('min_stress_loops') }} || ')'
            when stress_confidence < {{ var('confidence_floor') }}
                then 'insufficient data: stress confidence ' || printf('%.2f', stress_confidence)
                    || ' is below the floor ' || {{ var('confidence_floor') }}
        end as stress_reason,
        case
            when vulnerability_loops_covered < {{ var('min_vulnerability_loops') }}
                then 'insufficient data: ' || vulnerability_loops_covered
                    || ' of 4 vulnerability loops have current inputs (needs ' || {{ var('min_vulnerability_loops') }} || ')'
            when vulnerability_confidence < {{ var('confidence_floor') }}
                then 'insufficient data: vulnerability confidence ' || printf('%.2f', vulnerability_confidence)
                    || ' is below the floor ' || {{ var('confidence_floor') }}
        end as vulnerability_reason
    from joined
),

decided as (
    select
        *,
        case
            when coalesce(loops_covered, 0) < {{ var('min_composite_loops') }}
                then 'insufficient data: ' || coalesce(loops_covered, 0) || ' of 8 loops have current inputs (needs '
                    || {{ var('min_composite_loops') }} || ')'
            when stress_reason is not null then stress_reason || ' (the composite needs a published stress reading)'
            when confidence < {{ var('confidence_floor') }}
                then 'insufficient data: confidence ' || printf('%.2f', confidence) || ' is below the floor '
                    || {{ var('confidence_floor') }}
        end as composite_reason
    from reasons
)

select
    view_name,
    as_of_date,
    case when composite_reason is null then score end as composite_score,
    case when stress_reason is null then stress_candidate end as stress_score,
    case when vulnerability_reason is null then vulnerability_candidate end as vulnerability_score,
    case when composite_reason is null then 'published' else 'insufficient data' end as composite_status,
    composite_reason,
    stress_reason,
    vulnerability_reason,
    coalesce(loops_covered, 0) as loops_covered,
    stress_loops_covered,
    vulnerability_loops_covered,
    covered_loops,
    confidence,
    stress_confidence,
    vulnerability_confidence,
    {%- for l in all_loops %}
        loop_{{ l }},
        confidence_{{ l }},
    {%- endfor %}
    coalesce(loops_in_stress, 0) as loops_in_stress
from decided
{{ recompute_filter() }}
