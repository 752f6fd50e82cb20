{#- A loop's daily mart: its indicator model's columns for one view, with the loop's score, confidence,
    indicator coverage and stress flag that day (int_loop_scores), and the growth-data fog share for
    policy error. An incremental mart passes incremental=true for the recompute filter. -#}
{% macro loop_mart(indicator_model, loop_name, view_name, incremental=false) -%}
with

joined as (
    select
        i.*,
        {%- if loop_name == 'policy_error' %}
        case when i.view_name = 'revised' then 0.0 else coalesce(f.growth_fog_share, 0.0) end as growth_fog_share,
        {%- endif %}
        l.indicators_defined,
        l.indicators_scored,
        l.loop_score as {{ loop_name }}_score,
        l.confidence as {{ loop_name }}_confidence,
        coalesce(l.in_stress, false) as in_stress
    from {{ ref(indicator_model) }} as i
    left join {{ ref('int_loop_scores') }} as l
        on i.view_name = l.view_name and i.as_of_date = l.as_of_date and l.loop_name = '{{ loop_name }}'
    {%- if loop_name == 'policy_error' %}
    left join {{ ref('int_growth_fog_daily') }} as f on i.as_of_date = f.as_of_date
    {%- endif %}
    where i.view_name = '{{ view_name }}'
)

select * exclude (view_name)
from joined
{%- if incremental %}
{{ recompute_filter() }}
{%- endif %}
{%- endmacro %}
