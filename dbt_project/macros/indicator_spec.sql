{#-
  The scored indicators: one entry each, in one loop each. This list is the single definition that
  int_indicators_long (the values), int_indicator_scores (the z-scores) and dim_indicators (the catalogue
  analysts read) are built from.

  keys:
    indicator   name of the scored measure
    model       the intermediate model that computes it, and its column
    loop        the loop it feeds (stress: funding, credit, volatility, policy_error; vulnerability:
                ai_leverage, private_credit, k_shape, concentration)
    direction   +1 when a higher value is more fragile, -1 when a lower one is
    iqr_floor   the smallest spread (in the indicator's units) the z-score divides by: the smallest move
                that matters, so a series that stood still for years cannot produce a z of 50
    transform   what is scored: a level, a change, a ratio (documentation; the model computes it)
    inputs      the FRED series it is computed from (their age and release status give its freshness), or
                {'column': c, 'options': [...]} where the model chose one of several series (a fallback)
    source      for inputs outside FRED: the source whose filing or snapshot date gives its age
    age_column  that age in days (a column of the model); stale beyond stale_after_days
    where       a filter on the model's rows (one reference rate of the repo radar)
-#}
{% macro indicator_spec() -%}
{%- set reserve_rate = {'column': 'threshold_series', 'options': ['IORB', 'IOER']} -%}
{%- set policy_rate = {'column': 'policy_rate_series', 'options': ['EFFR', 'DFF']} -%}
{%- set inflation = {'column': 'inflation_series', 'options': ['CPILFESL', 'CPIAUCSL']} -%}
{{ return([
    {'indicator': 'repo_share_at_or_above_iorb', 'model': 'int_repo_radar_indicators', 'column': 'share_estimate',
     'where': "rate_type = 'SOFR'", 'loop': 'funding', 'direction': 1, 'iqr_floor': 0.05,
     'transform': 'level: share of SOFR volume at or above IORB (IOER before 2021-07-29), point estimate',
     'inputs': ['SOFR', 'SOFR1', 'SOFR25', 'SOFR75', 'SOFR99', reserve_rate]},
    {'indicator': 'repo_spread_bp', 'model': 'int_repo_radar_indicators', 'column': 'spread_bp',
     'where': "rate_type = 'SOFR'", 'loop': 'funding', 'direction': 1, 'iqr_floor': 2.0,
     'transform': 'level: SOFR minus the reserve rate of the same date, bp',
     'inputs': ['SOFR', reserve_rate]},
    {'indicator': 'repo_p99_spread_bp', 'model': 'int_repo_radar_indicators', 'column': 'p99_spread_bp',
     'where': "rate_type = 'SOFR'", 'loop': 'funding', 'direction': 1, 'iqr_floor': 5.0,
     'transform': 'level: SOFR 99th percentile minus the reserve rate of the same date, bp',
     'inputs': ['SOFR99', reserve_rate]},
    {'indicator': 'tgcr_spread_bp', 'model': 'int_repo_radar_indicators', 'column': 'spread_bp',
     'where': "rate_type = 'TGCR'", 'loop': 'funding', 'direction': 1, 'iqr_floor': 2.0,
     'transform': 'level: TGCR (NY Fed; unaffected by the 2024-11 SOFR method change) minus the reserve rate, bp',
     'inputs': [reserve_rate], 'source': 'nyfed', 'age_column': 'as_of_date - rate_date', 'stale_after_days': 6},
    {'indicator': 'reserves_above_ample_pct', 'model': 'int_repo_radar_indicators', 'column': 'reserves_above_ample_pct',
     'where': "rate_type = 'SOFR'", 'loop': 'funding', 'direction': -1, 'iqr_floor': 0.5,
     'transform': 'level: reserve balances over GDP minus 10% ("ample"), pp',
     'inputs': ['WRESBAL', 'GDP']},

    {'indicator': 'ig_oas', 'model': 'int_credit_indicators', 'column': 'ig_oas', 'loop': 'credit',
     'direction': 1, 'iqr_floor': 0.1, 'transform': 'level: ICE BofA US corporate OAS, pp',
     'inputs': ['BAMLC0A0CM']},
    {'indicator': 'hy_oas', 'model': 'int_credit_indicators', 'column': 'hy_oas', 'loop': 'credit',
     'direction': 1, 'iqr_floor': 0.25, 'transform': 'level: ICE BofA US high-yield OAS, pp',
     'inputs': ['BAMLH0A0HYM2']},
    {'indicator': 'hy_oas_3m_change', 'model': 'int_credit_indicators', 'column': 'hy_oas_3m_change',
     'loop': 'credit', 'direction': 1, 'iqr_floor': 0.25, 'transform': 'change: high-yield OAS over 3 months, pp',
     'inputs': ['BAMLH0A0HYM2']},

    {'indicator': 'vix', 'model': 'int_volatility_indicators', 'column': 'vix', 'loop': 'volatility',
     'direction': 1, 'iqr_floor': 1.0, 'transform': 'level: CBOE VIX, index points', 'inputs': ['VIXCLS']},
    {'indicator': 'nasdaq_realized_vol_21d', 'model': 'int_volatility_indicators',
     'column': 'nasdaq_realized_vol_21d', 'loop': 'volatility', 'direction': 1, 'iqr_floor': 0.02,
     'transform': 'level: annualised standard deviation of Nasdaq daily log returns, last 21 trading days',
     'inputs': ['NASDAQCOM']},

    {'indicator': 'real_policy_rate', 'model': 'int_policy_error_indicators', 'column': 'real_policy_rate',
     'loop': 'policy_error', 'direction': 1, 'iqr_floor': 0.25,
     'transform': 'level: policy rate minus inflation y/y, pp', 'inputs': [policy_rate, inflation]},
    {'indicator': 'taylor_gap', 'model': 'int_policy_error_indicators', 'column': 'taylor_gap',
     'loop': 'policy_error', 'direction': 1, 'iqr_floor': 0.25,
     'transform': 'level: policy rate minus the Taylor (1993) rule rate, pp',
     'inputs': [policy_rate, inflation, 'UNRATE', 'NROU']},
    {'indicator': 'market_implied_path', 'model': 'int_policy_error_indicators', 'column': 'market_implied_path',
     'loop': 'policy_error', 'direction': -1, 'iqr_floor': 0.1,
     'transform': 'level: 2-year yield minus the policy rate of the same date, pp (negative: cuts priced)',
     'inputs': ['DGS2', policy_rate]},
    {'indicator': 'fed_assets_13w_pct_change', 'model': 'int_policy_error_indicators',
     'column': 'fed_assets_13w_pct_change', 'loop': 'policy_error', 'direction': -1, 'iqr_floor': 0.5,
     'transform': 'change: Fed total assets over 13 weeks, % (negative: QT)', 'inputs': ['WALCL']},
    {'indicator': 'unrate_3m_change', 'model': 'int_policy_error_indicators', 'column': 'unrate_3m_change',
     'loop': 'policy_error', 'direction': 1, 'iqr_floor': 0.1,
     'transform': 'change: unemployment rate over 3 months, pp', 'inputs': ['UNRATE']},

    {'indicator': 'capex_to_ocf_change_12m', 'model': 'int_ai_leverage_indicators',
     'column': 'capex_to_ocf_change_12m', 'loop': 'ai_leverage', 'direction': 1, 'iqr_floor': 0.02,
     'transform': 'change over 365 days of the hyperscaler panel capex / operating cash flow (TTM)',
     'inputs': [], 'source': 'sec_companyfacts', 'age_column': 'filing_age_days',
     'stale_after_days': var('filing_stale_after_days')},
    {'indicator': 'debt_funded_capex_share', 'model': 'int_ai_leverage_indicators',
     'column': 'debt_funded_capex_share', 'loop': 'ai_leverage', 'direction': 1, 'iqr_floor': 0.02,
     'transform': 'level: sum of positive per-company net debt issuance / panel capex (TTM)',
     'inputs': [], 'source': 'sec_companyfacts', 'age_column': 'filing_age_days',
     'stale_after_days': var('filing_stale_after_days')},
    {'indicator': 'net_debt_to_ebitda_change_12m', 'model': 'int_ai_leverage_indicators',
     'column': 'net_debt_to_ebitda_change_12m', 'loop': 'ai_leverage', 'direction': 1, 'iqr_floor': 0.05,
     'transform': 'change over 365 days of the panel (debt - cash) / EBITDA',
     'inputs': [], 'source': 'sec_companyfacts', 'age_column': 'filing_age_days',
     'stale_after_days': var('filing_stale_after_days')},

    {'indicator': 'mark_dispersion_sd_pts', 'model': 'int_private_credit_indicators', 'column': 'dispersion_sd_pts',
     'loop': 'private_credit', 'direction': 1, 'iqr_floor': 0.5,
     'transform': 'level: principal-weighted mean standard deviation of BDC marks on shared loans, points',
     'inputs': [], 'source': 'sec_bdc', 'age_column': 'credit_age_days',
     'stale_after_days': var('filing_stale_after_days')},
    {'indicator': 'non_accrual_share', 'model': 'int_private_credit_indicators', 'column': 'non_accrual_share',
     'loop': 'private_credit', 'direction': 1, 'iqr_floor': 0.002,
     'transform': 'level: non-accrual share of BDC principal', 'inputs': [], 'source': 'sec_bdc',
     'age_column': 'credit_age_days', 'stale_after_days': var('filing_stale_after_days')},

    {'indicator': 'youth_prime_gap_change_12m', 'model': 'int_k_shape_indicators',
     'column': 'youth_prime_gap_change_12m', 'loop': 'k_shape', 'direction': 1, 'iqr_floor': 0.25,
     'transform': 'change over 12 months of youth (16-24) minus prime-age (25-54) unemployment, pp',
     'inputs': ['LNS14024887', 'LNS14000060']},
    {'indicator': 'underemployment_change_12m', 'model': 'int_k_shape_indicators',
     'column': 'underemployment_change_12m', 'loop': 'k_shape', 'direction': 1, 'iqr_floor': 0.25,
     'transform': 'change over 12 months of U-6 underemployment, pp', 'inputs': ['U6RATE']},
    {'indicator': 'consumer_delinquency_change_4q', 'model': 'int_k_shape_indicators',
     'column': 'consumer_delinquency_change_4q', 'loop': 'k_shape', 'direction': 1, 'iqr_floor': 0.1,
     'transform': 'change over 4 quarters of the consumer-loan delinquency rate, pp', 'inputs': ['DRCLACBS']},
    {'indicator': 'consumer_sentiment_change_12m', 'model': 'int_k_shape_indicators',
     'column': 'consumer_sentiment_change_12m', 'loop': 'k_shape', 'direction': -1, 'iqr_floor': 2.0,
     'transform': 'change over 12 months of Michigan consumer sentiment, index points', 'inputs': ['UMCSENT']},
    {'indicator': 'inflation_expectations_change_12m', 'model': 'int_k_shape_indicators',
     'column': 'inflation_expectations_change_12m', 'loop': 'k_shape', 'direction': 1, 'iqr_floor': 0.2,
     'transform': 'change over 12 months of Michigan 1-year inflation expectations, pp', 'inputs': ['MICH']},
    {'indicator': 'wealth_ratio_change_4q', 'model': 'int_k_shape_indicators', 'column': 'wealth_ratio_change_4q',
     'loop': 'k_shape', 'direction': 1, 'iqr_floor': 0.1,
     'transform': 'change over 4 quarters of the top-1% / bottom-50% net-worth share ratio',
     'inputs': ['WFRBST01134', 'WFRBSB50215']},

    {'indicator': 'top10_weight_change_12m', 'model': 'int_concentration_indicators',
     'column': 'top10_weight_change_12m', 'loop': 'concentration', 'direction': 1, 'iqr_floor': 0.005,
     'transform': 'change over 12 months of the top-10 weight (same holdings source), share of the index',
     'inputs': [], 'source': 'holdings', 'age_column': 'holdings_age_days',
     'stale_after_days': var('holdings_stale_after_days')},
    {'indicator': 'hhi_change_12m', 'model': 'int_concentration_indicators', 'column': 'hhi_change_12m',
     'loop': 'concentration', 'direction': 1, 'iqr_floor': 0.0005,
     'transform': 'change over 12 months of the Herfindahl index of company weights',
     'inputs': [], 'source': 'holdings', 'age_column': 'holdings_age_days',
     'stale_after_days': var('holdings_stale_after_days')},
    {'indicator': 'ai_set_weight_change_12m', 'model': 'int_concentration_indicators',
     'column': 'ai_set_weight_change_12m', 'loop': 'concentration', 'direction': 1, 'iqr_floor': 0.005,
     'transform': 'change over 12 months of the AI / Big Tech set weight in the index',
     'inputs': [], 'source': 'holdings', 'age_column': 'holdings_age_days',
     'stale_after_days': var('holdings_stale_after_days')},
]) }}
{%- endmacro %}


{# The FRED series an indicator can read: fixed inputs and every option of a fallback. #}
{% macro indicator_input_series(entry) -%}
    {%- set out = [] -%}
    {%- for i in entry['inputs'] -%}
        {%- if i is mapping -%}{%- do out.extend(i['options']) -%}{%- else -%}{%- do out.append(i) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{# The loops of each reading with their weights inside it, and the readings' weights in the composite. #}
{% macro reading_loops() -%}
    {{ return({'stress': var('stress_loop_weights'), 'vulnerability': var('vulnerability_loop_weights')}) }}
{%- endmacro %}
