-- Vulnerability loop AI / Big Tech leverage over the fixed hyperscaler panel, one row per day as known.
{{ loop_mart('int_ai_leverage_indicators', 'ai_leverage', 'as_known') }}
