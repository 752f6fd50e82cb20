{#- Point-in-time helpers shared by the indicator models. -#}

{# Expanding robust z-score of x within `partition_by`, over the rows up to the current one in `order_by`
   (a row never sees its own future):
       z = (x - running median) / max(running IQR / 1.349, iqr_floor),   winsorised to +-z_cap.
   The floor keeps a series that stood still for years (a spread at zero) from turning a one-basis-point
   move into a z of 50; the cap keeps one indicator from pinning its loop. NULL during the burn-in
   (fewer than min_history_days rows) and wherever x is NULL: no z, no score. #}
{% macro expanding_robust_z(x, iqr_floor, partition_by, order_by) -%}
    case
        when {{ x }} is not null
            and count({{ x }}) over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row) >= {{ var('min_history_days') }}
        then greatest(least(
            ({{ x }} - quantile_cont({{ x }}, 0.5) over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row))
            / greatest(
                (quantile_cont({{ x }}, 0.75) over (partition by {{ partition_by }} order by {{ order_by }}
                    rows between unbounded preceding and current row)
                 - quantile_cont({{ x }}, 0.25) over (partition by {{ partition_by }} order by {{ order_by }}
                    rows between unbounded preceding and current row)) / 1.349,
                {{ iqr_floor }}),
            {{ var('z_cap') }}), -{{ var('z_cap') }})
    end
{%- endmacro %}

{# A z-score mapped to 0..100 through the standard normal CDF (the logistic approximation of Bowling et
   al. 2009, 1 / (1 + exp(-(1.5976 z + 0.070566 z^3))), error under 0.0002). NULL stays NULL. #}
{% macro z_to_score(z) -%}
    (100.0 / (1.0 + exp(-(1.5976 * ({{ z }}) + 0.070566 * pow({{ z }}, 3)))))
{%- endmacro %}

{# Move a date that falls on a weekend to the following Monday. #}
{% macro next_weekday(day) -%}
    (case extract(isodow from {{ day }}) when 6 then {{ day }} + 2 when 7 then {{ day }} + 1 else {{ day }} end)
{%- endmacro %}

{# Fallback order between two wide-table series: true when the first one should be used (it is current,
   or neither is current and it exists). #}
{% macro use_first(first, second) -%}
    ({{ first }}_current or (not {{ second }}_current and {{ first }} is not null))
{%- endmacro %}
