-- The catalogue of scored indicators (macros/indicator_spec.sql): for each, its reading and loop, what is
-- scored (a level or a change), its direction, IQR floor, inputs, the model and column that compute it,
-- and the weights it enters with. The loop weights are the readings' (vars in dbt_project.yml).
{%- set readings = reading_loops() %}
select * from (
    values
    {%- for e in indicator_spec() %}
        {%- set reading = 'stress' if e.loop in readings['stress'] else 'vulnerability' %}
        (
            '{{ e.indicator }}', '{{ reading }}', '{{ e.loop }}', {{ e.direction }}, {{ e.iqr_floor }}::double,
            '{{ e.transform | replace("'", "''") }}',
            [{%- for s in indicator_input_series(e) %}'{{ s }}'{{ ", " if not loop.last }}{% endfor -%}]::varchar[],
            {{ ("'" ~ e.source ~ "'") if e.source else 'null' }}::varchar,
            {{ e.stale_after_days if e.stale_after_days else 'null' }}::integer,
            '{{ e.model }}', '{{ e.column }}',
            {{ readings[reading][e.loop] }}::double,
            {{ readings[reading][e.loop] * var('composite_reading_weights')[reading] }}::double
        ){{ "," if not loop.last }}
    {%- endfor %}
) as t (  -- noqa: AL05
    indicator, reading, loop_name, direction, iqr_floor, transform, input_series, source_name,
    source_stale_after_days, model_name, column_name, loop_weight_in_reading, loop_weight_in_composite
)
