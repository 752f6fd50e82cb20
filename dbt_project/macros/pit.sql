{#- Point-in-time helpers shared by the indicator models. -#}

{# Wide columns for the listed series from int_series_daily: <id>, <id>_3m_ago, <id>_1y_ago, <id>_age_days. #}
{% macro series_columns(series_ids) -%}
    {%- for sid in series_ids %}
    max(value) filter (where series_id = '{{ sid }}') as {{ sid | lower }},
    max(value_3m_ago) filter (where series_id = '{{ sid }}') as {{ sid | lower }}_3m_ago,
    max(value_1y_ago) filter (where series_id = '{{ sid }}') as {{ sid | lower }}_1y_ago,
    max(age_days) filter (where series_id = '{{ sid }}') as {{ sid | lower }}_age_days{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# Expanding robust z-score: (x - running median) / (running IQR / 1.349), using only rows up to the
   current one in `order_by`, so a row never sees its own future. NULL during the burn-in. #}
{% macro expanding_robust_z(x, partition_by, order_by) -%}
    case
        when count({{ x }}) over (partition by {{ partition_by }} order by {{ order_by }}
            rows between unbounded preceding and current row) >= {{ var('min_history_days') }}
        then ({{ x }} - quantile_cont({{ x }}, 0.5) over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row))
            / nullif((quantile_cont({{ x }}, 0.75) over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row)
              - quantile_cont({{ x }}, 0.25) over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row)) / 1.349, 0)
    end
{%- endmacro %}

{# Map a z-score to 0..100 with the logistic approximation of the normal CDF. #}
{% macro z_to_score(z) -%}
    100.0 / (1.0 + exp(-1.702 * greatest(least({{ z }}, 20), -20)))
{%- endmacro %}
