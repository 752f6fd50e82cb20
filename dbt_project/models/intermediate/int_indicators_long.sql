-- Every scored sub-indicator in one long table. `direction` is +1 when a higher value means more
-- fragility and -1 when a lower one does; standardisation multiplies by it.
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
{% set spec = [
    ('int_policy_error_indicators', 'policy_error', 'real_policy_rate', 1),
    ('int_policy_error_indicators', 'policy_error', 'taylor_gap', 1),
    ('int_policy_error_indicators', 'policy_error', 'market_implied_path', -1),
    ('int_policy_error_indicators', 'policy_error', 'fed_assets_13w_pct_change', -1),
    ('int_policy_error_indicators', 'policy_error', 'unrate_3m_change', 1),
    ('int_repo_radar_indicators', 'repo_radar', 'share_estimate', 1),
    ('int_repo_radar_indicators', 'repo_radar', 'spread_bp', 1),
    ('int_repo_radar_indicators', 'repo_radar', 'p99_spread_bp', 1),
    ('int_repo_radar_indicators', 'repo_radar', 'reserves_above_ample_pct', -1),
    ('int_credit_spread_indicators', 'ai_leverage', 'ig_oas', 1),
    ('int_credit_spread_indicators', 'ai_leverage', 'hy_oas', 1),
    ('int_credit_spread_indicators', 'ai_leverage', 'hy_oas_3m_change', 1),
    ('int_k_shape_indicators', 'k_shape', 'youth_prime_gap', 1),
    ('int_k_shape_indicators', 'k_shape', 'consumer_delinquency', 1),
    ('int_k_shape_indicators', 'k_shape', 'inflation_expectations_1y', 1),
    ('int_k_shape_indicators', 'k_shape', 'consumer_sentiment', -1),
    ('int_k_shape_indicators', 'k_shape', 'top1_to_bottom50_wealth_ratio', 1),
    ('int_structural_loops_daily', 'ai_leverage', 'capex_to_operating_cash_flow', 1),
    ('int_structural_loops_daily', 'ai_leverage', 'debt_funded_capex_share', 1),
    ('int_structural_loops_daily', 'ai_leverage', 'net_debt_to_ebitda', 1),
    ('int_structural_loops_daily', 'ai_leverage', 'ai_set_weight', 1),
    ('int_structural_loops_daily', 'private_credit', 'dispersion_index_pts', 1),
    ('int_structural_loops_daily', 'private_credit', 'divergent_share', 1),
    ('int_structural_loops_daily', 'private_credit', 'non_accrual_share', 1),
    ('int_structural_loops_daily', 'concentration', 'top10_weight', 1),
    ('int_structural_loops_daily', 'concentration', 'hhi', 1),
] %}

{% for model, loop_name, column, direction in spec %}
    select
        view_name,
        as_of_date,
        '{{ loop_name }}' as loop_name,
        '{{ column }}' as indicator,
        {{ column }}::double as value,
        {{ direction }} as direction
    from {{ ref(model) }}
    where {{ column }} is not null
        {% if model == 'int_repo_radar_indicators' %}and rate_type = 'SOFR'{% endif %}
        {{ recompute_filter('and') }}
    {{ "union all" if not loop.last }}
{% endfor %}
