{#- Share of repo volume traded at or above a threshold T (IORB), from published percentiles.

    With knots q in {0.01, 0.25, 0.50, 0.75, 0.99} and percentiles p_q (monotone in q):
      q_a = max{q : p_q < T}, q_b = min{q : p_q >= T}
      share_low  = 1 - q_b  (empty q_b counts as 1)
      share_high = 1 - q_a  (empty q_a counts as 0)
    The point estimate spreads the volume between the bracketing knots evenly over the whole-basis-point
    rates in (p_a, p_b] (repo trades in whole basis points) and counts the rates at or above T:
      estimate = share_low + (share_high - share_low) * min(1, (p_b - T + 1 bp) / (p_b - p_a)).
    So when T sits exactly on a knot (p_b = T), the volume bunched at T itself counts: with p_a one basis
    point below T the estimate is share_high, not share_low. Above p99 or below p1 it takes the middle of
    the bracket. NULL when T or a percentile is missing. Rounded to 9 decimals (the knots are decimal rates). -#}

{% macro _knot_below(t, p1, p25, p50, p75, p99, what) -%}
    case
        when {{ p99 }} < {{ t }} then {{ 0.99 if what == 'q' else p99 }}
        when {{ p75 }} < {{ t }} then {{ 0.75 if what == 'q' else p75 }}
        when {{ p50 }} < {{ t }} then {{ 0.50 if what == 'q' else p50 }}
        when {{ p25 }} < {{ t }} then {{ 0.25 if what == 'q' else p25 }}
        when {{ p1 }} < {{ t }} then {{ 0.01 if what == 'q' else p1 }}
    end
{%- endmacro %}

{% macro _knot_above(t, p1, p25, p50, p75, p99, what) -%}
    case
        when {{ p1 }} >= {{ t }} then {{ 0.01 if what == 'q' else p1 }}
        when {{ p25 }} >= {{ t }} then {{ 0.25 if what == 'q' else p25 }}
        when {{ p50 }} >= {{ t }} then {{ 0.50 if what == 'q' else p50 }}
        when {{ p75 }} >= {{ t }} then {{ 0.75 if what == 'q' else p75 }}
        when {{ p99 }} >= {{ t }} then {{ 0.99 if what == 'q' else p99 }}
    end
{%- endmacro %}

{% macro _knots_missing(t, p1, p25, p50, p75, p99) -%}
    ({{ t }} is null or {{ p1 }} is null or {{ p25 }} is null or {{ p50 }} is null or {{ p75 }} is null
        or {{ p99 }} is null)
{%- endmacro %}

{% macro share_low(t, p1, p25, p50, p75, p99) -%}
    (case when {{ _knots_missing(t, p1, p25, p50, p75, p99) }} then null
        else 1.0 - coalesce({{ _knot_above(t, p1, p25, p50, p75, p99, 'q') }}, 1.0) end)::double
{%- endmacro %}

{% macro share_high(t, p1, p25, p50, p75, p99) -%}
    (case when {{ _knots_missing(t, p1, p25, p50, p75, p99) }} then null
        else 1.0 - coalesce({{ _knot_below(t, p1, p25, p50, p75, p99, 'q') }}, 0.0) end)::double
{%- endmacro %}

{% macro share_estimate(t, p1, p25, p50, p75, p99) -%}
    {%- set lo = share_low(t, p1, p25, p50, p75, p99) -%}
    {%- set hi = share_high(t, p1, p25, p50, p75, p99) -%}
    {%- set pa = _knot_below(t, p1, p25, p50, p75, p99, 'p') -%}
    {%- set pb = _knot_above(t, p1, p25, p50, p75, p99, 'p') -%}
    round(case
        when {{ _knots_missing(t, p1, p25, p50, p75, p99) }} then null
        when ({{ pa }}) is null then ({{ lo }} + 1.0) / 2.0
        when ({{ pb }}) is null then {{ hi }} / 2.0
        else {{ lo }} + ({{ hi }} - {{ lo }})
            * least(1.0, (({{ pb }}) - {{ t }} + {{ var('rate_tick_pct') }}) / (({{ pb }}) - ({{ pa }})))
    end, 9)
{%- endmacro %}
