{#- Point-in-time helpers shared by the indicator models. -#}

{# Robust z-score of x against the quartiles [q1, median, q3] of its history up to the current row (a
   row never sees its own future): z = (x - median) / max((q3 - q1) / 1.349, iqr_floor), winsorised to
   +-z_cap. The floor keeps a series that stood still for years (a spread at zero) from turning a
   one-basis-point move into a z of 50; the cap keeps one indicator from pinning its loop. NULL during the
   burn-in (fewer than min_history_days rows of history) and wherever x is NULL: no z, no score. #}
{% macro robust_z(x, quartiles, history_rows, iqr_floor) -%}
    case
        when {{ x }} is not null and {{ history_rows }} >= {{ var('min_history_days') }}
            then greatest(least(
                ({{ x }} - {{ quartiles }}[2]) / greatest(({{ quartiles }}[3] - {{ quartiles }}[1]) / 1.349, {{ iqr_floor }}),
                {{ var('z_cap') }}
            ), -{{ var('z_cap') }})
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
